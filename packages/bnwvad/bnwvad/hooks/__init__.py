"""Hooks of bnwvad."""
from .visualization import BnwvadVisualizationHook, draw_sample

__all__ = ['BnwvadVisualizationHook', 'draw_sample']
