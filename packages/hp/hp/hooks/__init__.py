"""Hooks of hp."""
from .visualization import HpVisualizationHook, draw_sample

__all__ = ['HpVisualizationHook', 'draw_sample']
