"""Hooks of ppap."""
from .visualization import PPAPVisualizationHook, draw_sample

__all__ = ['PPAPVisualizationHook', 'draw_sample']
