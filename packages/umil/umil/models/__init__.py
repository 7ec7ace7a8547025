"""Models of umil (registered in :mod:`umil.registry`)."""
from .backbone import UmilConvNet
from .classifier import UmilClassifier

__all__ = ['UmilConvNet', 'UmilClassifier']
