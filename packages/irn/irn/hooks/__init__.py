"""Hooks of irn."""
from .visualization import IrnVisualizationHook, draw_sample

__all__ = ['IrnVisualizationHook', 'draw_sample']
