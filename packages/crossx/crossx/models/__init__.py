"""Models of crossx (registered in mmpretrain's ``MODELS``, :mod:`crossx.registry`)."""
from .head import CrossXHead, part_attention
from .losses import c3s_loss, cross_layer_kl
from .osme import OSME, CrossXResNet, CrossXSEResNet, OSMEBottleneck, OSMESEBottleneck

__all__ = ['OSME', 'CrossXHead', 'CrossXResNet', 'CrossXSEResNet', 'OSMEBottleneck',
           'OSMESEBottleneck', 'c3s_loss', 'cross_layer_kl', 'part_attention']
