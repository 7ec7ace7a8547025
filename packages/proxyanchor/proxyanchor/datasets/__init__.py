"""Data of proxyanchor: the benchmark's on-disk layout and its synthetic generator."""
from .folder import ProxyanchorFolderDataset, ProxyanchorLoadImage, ProxyanchorPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['ProxyanchorFolderDataset', 'ProxyanchorLoadImage', 'ProxyanchorPackInputs', 'check_layout',
           'make_synthetic']
