"""Models of antico (registered in :mod:`antico.registry`)."""
from .backbone import AnticoConvNet
from .classifier import AnticoClassifier
from .losses import AntiCoLoss, coding_rate

__all__ = ['AnticoConvNet', 'AnticoClassifier', 'AntiCoLoss', 'coding_rate']
