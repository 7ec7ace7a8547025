"""Hooks of antico."""
from .visualization import AnticoVisualizationHook, draw_sample

__all__ = ['AnticoVisualizationHook', 'draw_sample']
