"""Data of antico: the benchmark's on-disk layout and its synthetic generator."""
from .folder import AnticoFolderDataset, AnticoLoadImage, AnticoPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['AnticoFolderDataset', 'AnticoLoadImage', 'AnticoPackInputs', 'check_layout',
           'make_synthetic']
