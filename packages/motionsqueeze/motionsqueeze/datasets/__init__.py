"""Data of motionsqueeze: the benchmarks are read by the shared datasets
(``cvshared.datasets.something.SthV2Dataset`` / ``SthV1Dataset``, mmaction2's
``VideoDataset`` for Kinetics-400 / HMDB51 lists); the synthetic set is the shared motion-only
SS-V2-layout generator (:func:`make_synthetic`)."""
from .synthetic import make_synthetic

__all__ = ['make_synthetic']
