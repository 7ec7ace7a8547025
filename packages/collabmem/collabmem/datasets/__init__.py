"""Data of collabmem: the synthetic two-clip XOR set (SS-V1 layout) and the checked sampler.
The benchmarks' readers are the shared ones (``cvshared.datasets.action`` /
``cvshared.datasets.something``)."""
from .synthetic import CLASSES, make_synthetic, render_video
from .transforms import CheckedSampleFrames

__all__ = ['CLASSES', 'make_synthetic', 'render_video', 'CheckedSampleFrames']
