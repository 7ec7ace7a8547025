"""Models of crossx (registered in :mod:`crossx.registry`)."""
from .backbone import CrossxConvNet
from .classifier import CrossxClassifier

__all__ = ['CrossxConvNet', 'CrossxClassifier']
