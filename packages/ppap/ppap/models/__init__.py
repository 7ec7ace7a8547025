"""Models of ppap (registered in :mod:`ppap.registry`)."""
from . import proxy_propagation
from .ppap import PPAP_LOSS_KEYS, PPAPSegmentor

__all__ = ['proxy_propagation', 'PPAPSegmentor', 'PPAP_LOSS_KEYS']
