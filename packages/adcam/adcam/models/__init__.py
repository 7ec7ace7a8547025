"""Models of adcam (registered in :mod:`adcam.registry`)."""
from .backbone import AdcamConvNet
from .classifier import AdcamClassifier

__all__ = ['AdcamConvNet', 'AdcamClassifier']
