"""Data of motionsqueeze: the benchmark's on-disk layout and its synthetic generator."""
from .folder import MotionsqueezeFolderDataset, MotionsqueezeLoadImage, MotionsqueezePackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['MotionsqueezeFolderDataset', 'MotionsqueezeLoadImage', 'MotionsqueezePackInputs', 'check_layout',
           'make_synthetic']
