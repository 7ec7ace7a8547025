"""Data of dkl: the benchmark's on-disk layout and its synthetic generator."""
from .folder import DklFolderDataset, DklLoadImage, DklPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['DklFolderDataset', 'DklLoadImage', 'DklPackInputs', 'check_layout',
           'make_synthetic']
