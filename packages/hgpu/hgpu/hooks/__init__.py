"""Hooks of hgpu."""
from .visualization import HGPUVisualizationHook, draw_sample

__all__ = ['HGPUVisualizationHook', 'draw_sample']
