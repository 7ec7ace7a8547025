"""Hooks of hgpu."""
from .visualization import HgpuVisualizationHook, draw_sample

__all__ = ['HgpuVisualizationHook', 'draw_sample']
