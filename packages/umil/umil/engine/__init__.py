"""UMIL's training machinery: the three-stage loop and the two-optimiser constructor."""
from .loop import UMILTrainLoop
from .optim import UMILOptimWrapperConstructor, umil_parameters

__all__ = ['UMILOptimWrapperConstructor', 'UMILTrainLoop', 'umil_parameters']
