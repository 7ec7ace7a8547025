from .mvit import STTSMViT
from .selection import (
    SelectionTracker,
    STTSScorePredictor,
    STTSSpatialSelector,
    STTSTemporalSelector,
    min_max_norm,
)
from .swin import STTSSwinTransformer3D

__all__ = ['SelectionTracker', 'STTSMViT', 'STTSScorePredictor', 'STTSSpatialSelector',
           'STTSSwinTransformer3D', 'STTSTemporalSelector', 'min_max_norm']
