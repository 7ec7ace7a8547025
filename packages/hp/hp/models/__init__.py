"""Models of hp (registered in :mod:`hp.registry`)."""
from . import hidden_positives
from .head import HPHead
from .segmentor import HPSegmentor

__all__ = ['HPHead', 'HPSegmentor', 'hidden_positives']
