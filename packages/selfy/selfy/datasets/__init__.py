"""Data of selfy: the benchmark's on-disk layout and its synthetic generator."""
from .folder import SelfyFolderDataset, SelfyLoadImage, SelfyPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['SelfyFolderDataset', 'SelfyLoadImage', 'SelfyPackInputs', 'check_layout',
           'make_synthetic']
