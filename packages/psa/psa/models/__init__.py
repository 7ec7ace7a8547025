"""Models of psa (registered in :mod:`psa.registry`)."""
from .backbone import PsaConvNet
from .classifier import PsaClassifier

__all__ = ['PsaConvNet', 'PsaClassifier']
