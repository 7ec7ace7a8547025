"""Data of umil: the benchmark's on-disk layout and its synthetic generator."""
from .folder import UmilFolderDataset, UmilLoadImage, UmilPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['UmilFolderDataset', 'UmilLoadImage', 'UmilPackInputs', 'check_layout',
           'make_synthetic']
