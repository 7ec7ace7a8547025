"""Hooks of hcml."""
from .visualization import HcmlVisualizationHook, draw_sample

__all__ = ['HcmlVisualizationHook', 'draw_sample']
