"""Models of peerlearning (registered in :mod:`peerlearning.registry`)."""
from .backbone import PeerlearningConvNet
from .classifier import PeerlearningClassifier

__all__ = ['PeerlearningConvNet', 'PeerlearningClassifier']
