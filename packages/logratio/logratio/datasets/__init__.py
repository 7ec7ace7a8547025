"""Data of logratio: the benchmark's on-disk layout and its synthetic generator."""
from .folder import LogratioFolderDataset, LogratioLoadImage, LogratioPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['LogratioFolderDataset', 'LogratioLoadImage', 'LogratioPackInputs', 'check_layout',
           'make_synthetic']
