"""Data of irn: the benchmark's on-disk layout and its synthetic generator."""
from .folder import IrnFolderDataset, IrnLoadImage, IrnPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['IrnFolderDataset', 'IrnLoadImage', 'IrnPackInputs', 'check_layout',
           'make_synthetic']
