"""Models of irn (registered in :mod:`irn.registry`)."""
from .backbone import IrnConvNet
from .classifier import IrnClassifier

__all__ = ['IrnConvNet', 'IrnClassifier']
