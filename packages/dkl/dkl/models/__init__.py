"""Models of dkl (registered in :mod:`dkl.registry`)."""
from .backbone import DklConvNet
from .classifier import DklClassifier

__all__ = ['DklConvNet', 'DklClassifier']
