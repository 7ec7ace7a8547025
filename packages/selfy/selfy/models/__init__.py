"""Models of selfy (registered in :mod:`selfy.registry`)."""
from .backbone import SelfyConvNet
from .classifier import SelfyClassifier

__all__ = ['SelfyConvNet', 'SelfyClassifier']
