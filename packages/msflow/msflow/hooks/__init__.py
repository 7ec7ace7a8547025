"""Hooks of the msflow scope."""
from .visualization import AnomalyMapVisualizationHook, best_f1_threshold, draw_sample

__all__ = ['AnomalyMapVisualizationHook', 'best_f1_threshold', 'draw_sample']
