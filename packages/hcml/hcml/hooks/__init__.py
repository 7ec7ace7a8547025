"""Hooks of hcml."""
from .visualization import HCMLVisualizationHook, draw_sample

__all__ = ['HCMLVisualizationHook', 'draw_sample']
