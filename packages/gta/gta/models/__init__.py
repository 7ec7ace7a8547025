"""Models of gta (registered in mmaction2's ``MODELS`` through :mod:`gta.registry`): the GTA
block and a ``ResNet3d`` that takes plug-in blocks (the 2D backbone is
``cvshared.video.stage_blocks.ResNetTSMWithBlocks``)."""
from .backbone import ResNet3dWithBlocks
from .gta_block import GTABlock, GTACore, set_attention, temporal_mean_attention

__all__ = ['GTABlock', 'GTACore', 'ResNet3dWithBlocks', 'set_attention',
           'temporal_mean_attention']
