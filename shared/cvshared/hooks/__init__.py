"""Hooks every package shares (in mmengine's root ``HOOKS``, so every scope finds them)."""
from .fail_fast import FailFastHook, NonFiniteTrainingError
from .visualization import SampleVisualizationHook, visualization_dir

__all__ = ['FailFastHook', 'NonFiniteTrainingError', 'SampleVisualizationHook',
           'visualization_dir']
