"""Models of antico (registered in :mod:`antico.registry`)."""
from .backbone import AnticoConvNet
from .classifier import AnticoClassifier

__all__ = ['AnticoConvNet', 'AnticoClassifier']
