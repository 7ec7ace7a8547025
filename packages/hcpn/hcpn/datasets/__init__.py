"""Data of hcpn: the benchmark's on-disk layout and its synthetic generator."""
from .folder import HcpnFolderDataset, HcpnLoadImage, HcpnPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['HcpnFolderDataset', 'HcpnLoadImage', 'HcpnPackInputs', 'check_layout',
           'make_synthetic']
