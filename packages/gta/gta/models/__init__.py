"""Models of gta (registered in mmaction2's ``MODELS`` through :mod:`gta.registry`): the GTA
block; the backbones that take it are ``cvshared.video.stage_blocks.ResNetTSMWithBlocks`` (2D) and
``ResNet3dWithBlocks`` (I3D), re-exported here."""
from cvshared.video.stage_blocks import ResNet3dWithBlocks

from .gta_block import GTABlock, GTACore, set_attention, temporal_mean_attention

__all__ = ['GTABlock', 'GTACore', 'ResNet3dWithBlocks', 'set_attention',
           'temporal_mean_attention']
