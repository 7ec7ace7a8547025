"""Hooks of ppap."""
from .visualization import PpapVisualizationHook, draw_sample

__all__ = ['PpapVisualizationHook', 'draw_sample']
