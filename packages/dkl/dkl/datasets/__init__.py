"""Data of dkl: CIFAR's official layout (mmpretrain's readers), its synthetic generator."""
from .cifar import SyntheticCIFAR10, check_layout, expected_tree
from .synthetic import make_synthetic

__all__ = ['SyntheticCIFAR10', 'check_layout', 'expected_tree', 'make_synthetic']
