from .backbone_warmup import STTSBackboneWarmupHook
from .flops import STTSGFLOPsHook
from .sigma_decay import SigmaDecayHook

__all__ = ['STTSBackboneWarmupHook', 'STTSGFLOPsHook', 'SigmaDecayHook']
