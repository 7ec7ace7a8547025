"""Hooks of adcam."""
from .visualization import AdcamVisualizationHook, draw_sample

__all__ = ['AdcamVisualizationHook', 'draw_sample']
