"""Hooks of gta."""
from .visualization import GtaVisualizationHook, draw_sample

__all__ = ['GtaVisualizationHook', 'draw_sample']
