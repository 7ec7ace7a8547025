"""Hooks of umil."""
from .visualization import UmilVisualizationHook, draw_sample

__all__ = ['UmilVisualizationHook', 'draw_sample']
