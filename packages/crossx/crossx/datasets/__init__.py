"""Data of crossx: the five benchmarks are read by ``cvshared.datasets.finegrained``; this is
the synthetic set in the CUB-200-2011 layout."""
from .synthetic import CLASSES, draw_bird, make_synthetic

__all__ = ['CLASSES', 'draw_bird', 'make_synthetic']
