"""Data of hp: the benchmark's on-disk layout and its synthetic generator."""
from .folder import HpFolderDataset, HpLoadImage, HpPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['HpFolderDataset', 'HpLoadImage', 'HpPackInputs', 'check_layout',
           'make_synthetic']
