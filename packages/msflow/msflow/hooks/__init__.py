"""Hooks of the msflow scope."""
from .visualization import AnomalyMapVisualizationHook

__all__ = ['AnomalyMapVisualizationHook']
