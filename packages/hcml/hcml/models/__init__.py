"""Models of hcml (registered in :mod:`hcml.registry`)."""
from .backbone import HcmlConvNet
from .classifier import HcmlClassifier

__all__ = ['HcmlConvNet', 'HcmlClassifier']
