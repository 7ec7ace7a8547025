"""Data of ppap: the benchmark's on-disk layout and its synthetic generator."""
from .folder import PpapFolderDataset, PpapLoadImage, PpapPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['PpapFolderDataset', 'PpapLoadImage', 'PpapPackInputs', 'check_layout',
           'make_synthetic']
