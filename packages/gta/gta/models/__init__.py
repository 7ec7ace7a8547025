"""Models of gta (registered in :mod:`gta.registry`)."""
from .backbone import GtaConvNet
from .classifier import GtaClassifier

__all__ = ['GtaConvNet', 'GtaClassifier']
