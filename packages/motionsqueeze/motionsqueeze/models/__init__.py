"""Models of motionsqueeze (registered in :mod:`motionsqueeze.registry`)."""
from .backbone import MotionsqueezeConvNet
from .classifier import MotionsqueezeClassifier

__all__ = ['MotionsqueezeConvNet', 'MotionsqueezeClassifier']
