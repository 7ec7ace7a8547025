"""Hooks of selfy."""
from .visualization import SelfyVisualizationHook, draw_sample

__all__ = ['SelfyVisualizationHook', 'draw_sample']
