"""Models of ppap (registered in :mod:`ppap.registry`)."""
from . import proxy_propagation
from .backbone import PpapConvNet
from .classifier import PpapClassifier

__all__ = ['proxy_propagation', 'PpapConvNet', 'PpapClassifier']
