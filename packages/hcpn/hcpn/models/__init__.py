"""Models of hcpn (registered in :mod:`hcpn.registry`)."""
from .backbone import HcpnConvNet
from .classifier import HcpnClassifier

__all__ = ['HcpnConvNet', 'HcpnClassifier']
