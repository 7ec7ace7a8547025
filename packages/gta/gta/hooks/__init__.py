"""Hooks of gta: the picture of the learned temporal attention."""
from .visualization import GTAVisualizationHook, draw_sample, model_attention

__all__ = ['GTAVisualizationHook', 'draw_sample', 'model_attention']
