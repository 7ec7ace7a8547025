"""Data of crossx: the benchmark's on-disk layout and its synthetic generator."""
from .folder import CrossxFolderDataset, CrossxLoadImage, CrossxPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['CrossxFolderDataset', 'CrossxLoadImage', 'CrossxPackInputs', 'check_layout',
           'make_synthetic']
