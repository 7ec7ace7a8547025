"""Data of gta: the benchmark's on-disk layout and its synthetic generator."""
from .folder import GtaFolderDataset, GtaLoadImage, GtaPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['GtaFolderDataset', 'GtaLoadImage', 'GtaPackInputs', 'check_layout',
           'make_synthetic']
