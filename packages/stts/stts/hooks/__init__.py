from .backbone_warmup import STTSBackboneWarmupHook
from .flops import STTSGFLOPsHook
from .sigma_decay import SigmaDecayHook
from .visualization import STTSVisualizationHook, draw_sample

__all__ = ['STTSBackboneWarmupHook', 'STTSGFLOPsHook', 'STTSVisualizationHook', 'SigmaDecayHook',
           'draw_sample']
