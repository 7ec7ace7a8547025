"""Hooks of collabmem."""
from .visualization import CollabmemVisualizationHook, draw_sample

__all__ = ['CollabmemVisualizationHook', 'draw_sample']
