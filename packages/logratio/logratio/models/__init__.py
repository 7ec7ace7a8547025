"""Models of logratio (registered in :mod:`logratio.registry`)."""
from .backbone import LogratioConvNet
from .classifier import LogratioClassifier

__all__ = ['LogratioConvNet', 'LogratioClassifier']
