"""Hooks of psa."""
from .visualization import PsaVisualizationHook, draw_sample

__all__ = ['PsaVisualizationHook', 'draw_sample']
