"""Models of motionsqueeze (registered in mmaction2's ``MODELS`` through
:mod:`motionsqueeze.registry`): the MS module, inserted after res3 of mmaction2's TSM-ResNet by
``cvshared.video.stage_blocks.ResNetTSMWithBlocks``; the recognizer and head are mmaction2's
``Recognizer2D`` and ``TSMHead``."""
from .ms_module import DepthwiseSeparable, MotionSqueezeBlock

__all__ = ['DepthwiseSeparable', 'MotionSqueezeBlock']
