"""Data of peerlearning: the benchmark's on-disk layout and its synthetic generator."""
from .folder import PeerlearningFolderDataset, PeerlearningLoadImage, PeerlearningPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['PeerlearningFolderDataset', 'PeerlearningLoadImage', 'PeerlearningPackInputs', 'check_layout',
           'make_synthetic']
