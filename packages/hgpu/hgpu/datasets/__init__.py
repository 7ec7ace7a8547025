"""Data of hgpu: the benchmark's on-disk layout and its synthetic generator."""
from .folder import HgpuFolderDataset, HgpuLoadImage, HgpuPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['HgpuFolderDataset', 'HgpuLoadImage', 'HgpuPackInputs', 'check_layout',
           'make_synthetic']
