"""Models of proxyanchor (registered in :mod:`proxyanchor.registry`)."""
from .backbone import ProxyanchorConvNet
from .classifier import ProxyanchorClassifier

__all__ = ['ProxyanchorConvNet', 'ProxyanchorClassifier']
