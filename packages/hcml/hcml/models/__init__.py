"""Models of hcml (registered in mmaction2's ``MODELS`` through :mod:`hcml.registry`)."""
from .backbone import HCMLResNet, HCMLResNetTSM
from .motion import (
    HierarchicalMotionInfoNCE,
    MotionHierarchy,
    MotionLevel,
    frame_difference,
    future_pairs,
    info_nce,
    pad_last_pair,
)
from .recognizer import HCMLRecognizer

__all__ = ['HCMLResNet', 'HCMLResNetTSM', 'HCMLRecognizer', 'HierarchicalMotionInfoNCE',
           'MotionHierarchy', 'MotionLevel', 'frame_difference', 'future_pairs', 'info_nce',
           'pad_last_pair']
