"""Data of psa: the benchmark's on-disk layout and its synthetic generator."""
from .folder import PsaFolderDataset, PsaLoadImage, PsaPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['PsaFolderDataset', 'PsaLoadImage', 'PsaPackInputs', 'check_layout',
           'make_synthetic']
