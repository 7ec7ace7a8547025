"""Hooks of logratio."""
from .visualization import LogratioVisualizationHook, draw_sample

__all__ = ['LogratioVisualizationHook', 'draw_sample']
