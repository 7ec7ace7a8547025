"""Data of adcam: the benchmark's on-disk layout and its synthetic generator."""
from .folder import AdcamFolderDataset, AdcamLoadImage, AdcamPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['AdcamFolderDataset', 'AdcamLoadImage', 'AdcamPackInputs', 'check_layout',
           'make_synthetic']
