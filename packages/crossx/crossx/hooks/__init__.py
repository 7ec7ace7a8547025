"""Hooks of crossx."""
from .visualization import CrossxVisualizationHook, draw_sample

__all__ = ['CrossxVisualizationHook', 'draw_sample']
