"""Hooks of dkl."""
from .visualization import DklVisualizationHook, draw_prior, draw_sample

__all__ = ['DklVisualizationHook', 'draw_prior', 'draw_sample']
