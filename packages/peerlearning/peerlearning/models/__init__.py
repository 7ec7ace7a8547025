"""Models of peerlearning (registered in mmpretrain's ``MODELS``)."""
from .backbone import PeerlearningConvNet
from .bilinear import BilinearPooling, bilinear_pool
from .peer_learning import PeerLearning
from .peer_loss import PeerSelection, drop_rate_at, peer_learning_loss, peer_selection

__all__ = ['PeerlearningConvNet', 'BilinearPooling', 'bilinear_pool', 'PeerLearning',
           'PeerSelection', 'drop_rate_at', 'peer_learning_loss', 'peer_selection']
