"""Data of peerlearning: the web training sets in their released layout, the test-label
alignment with the clean test sets of ``cvshared.datasets.finegrained``, and the synthetic
generator."""
from .synthetic import make_synthetic, synthetic_arrays
from .webfg import ClassAlignedDataset, WebFGDataset, align_classes, check_layout, class_folders

__all__ = ['ClassAlignedDataset', 'WebFGDataset', 'align_classes', 'check_layout',
           'class_folders', 'make_synthetic', 'synthetic_arrays']
