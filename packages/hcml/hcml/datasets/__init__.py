"""Data of hcml: the benchmarks are read by the shared datasets in their official layouts
(``cvshared.datasets.action.UCF101Dataset`` / ``HMDB51Dataset`` / ``KineticsVideoDataset``,
``cvshared.datasets.something.SthV1Dataset``); the synthetic set is the shared motion-only
SS-V2-layout generator (:func:`make_synthetic`)."""
from .synthetic import make_synthetic

__all__ = ['make_synthetic']
