"""Hooks of irn."""
from .mean_shift import MeanShiftHook, compute_mean_shift
from .visualization import IrnVisualizationHook, draw_sample

__all__ = ['IrnVisualizationHook', 'draw_sample', 'MeanShiftHook', 'compute_mean_shift']
