"""Hooks every package shares (in mmengine's root ``HOOKS``, so every scope finds them)."""
from .fail_fast import FailFastHook, NonFiniteTrainingError
from .visualization import visualization_dir

__all__ = ['FailFastHook', 'NonFiniteTrainingError', 'visualization_dir']
