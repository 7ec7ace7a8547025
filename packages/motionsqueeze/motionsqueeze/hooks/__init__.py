"""Hooks of motionsqueeze."""
from .visualization import MotionSqueezeVisualizationHook, draw_sample, flow_to_rgb

__all__ = ['MotionSqueezeVisualizationHook', 'draw_sample', 'flow_to_rgb']
