"""Data of collabmem: the benchmark's on-disk layout and its synthetic generator."""
from .folder import CollabmemFolderDataset, CollabmemLoadImage, CollabmemPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['CollabmemFolderDataset', 'CollabmemLoadImage', 'CollabmemPackInputs', 'check_layout',
           'make_synthetic']
