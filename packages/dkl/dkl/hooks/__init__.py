"""Hooks of dkl."""
from .visualization import DklVisualizationHook, draw_sample

__all__ = ['DklVisualizationHook', 'draw_sample']
