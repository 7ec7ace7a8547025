"""Models of bnwvad (registered in :mod:`bnwvad.registry`)."""
from .backbone import BnwvadConvNet
from .classifier import BnwvadClassifier

__all__ = ['BnwvadConvNet', 'BnwvadClassifier']
