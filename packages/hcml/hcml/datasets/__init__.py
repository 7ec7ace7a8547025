"""Data of hcml: the benchmark's on-disk layout and its synthetic generator."""
from .folder import HcmlFolderDataset, HcmlLoadImage, HcmlPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['HcmlFolderDataset', 'HcmlLoadImage', 'HcmlPackInputs', 'check_layout',
           'make_synthetic']
