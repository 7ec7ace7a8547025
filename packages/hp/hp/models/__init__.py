"""Models of hp (registered in :mod:`hp.registry`)."""
from . import hidden_positives
from .backbone import HpConvNet
from .classifier import HpClassifier
from .head import HPHead

__all__ = ['HpConvNet', 'HpClassifier', 'HPHead', 'hidden_positives']
