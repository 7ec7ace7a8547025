from .mvit import STTSMViT
from .selection import STTSScorePredictor, STTSSpatialSelector, STTSTemporalSelector, min_max_norm
from .swin import STTSSwinTransformer3D

__all__ = ['STTSMViT', 'STTSScorePredictor', 'STTSSpatialSelector', 'STTSSwinTransformer3D',
           'STTSTemporalSelector', 'min_max_norm']
