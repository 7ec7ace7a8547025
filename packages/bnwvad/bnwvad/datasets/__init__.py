"""Data of bnwvad: the benchmark's on-disk layout and its synthetic generator."""
from .folder import BnwvadFolderDataset, BnwvadLoadImage, BnwvadPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['BnwvadFolderDataset', 'BnwvadLoadImage', 'BnwvadPackInputs', 'check_layout',
           'make_synthetic']
