"""Hooks of webvideo_wsss."""
from .visualization import WebvideoWsssVisualizationHook, draw_sample

__all__ = ['WebvideoWsssVisualizationHook', 'draw_sample']
