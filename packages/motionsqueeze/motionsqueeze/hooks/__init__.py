"""Hooks of motionsqueeze."""
from .visualization import MotionsqueezeVisualizationHook, draw_sample

__all__ = ['MotionsqueezeVisualizationHook', 'draw_sample']
