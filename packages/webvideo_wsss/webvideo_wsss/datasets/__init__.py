"""Data of webvideo_wsss: the benchmark's on-disk layout and its synthetic generator."""
from .folder import WebvideoWsssFolderDataset, WebvideoWsssLoadImage, WebvideoWsssPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['WebvideoWsssFolderDataset', 'WebvideoWsssLoadImage', 'WebvideoWsssPackInputs', 'check_layout',
           'make_synthetic']
