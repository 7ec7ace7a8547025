"""Hooks of proxyanchor: the official warm-up and the retrieval-grid visualization."""
from .visualization import ProxyanchorVisualizationHook, draw_sample, nearest_neighbours
from .warmup import BackboneWarmupHook

__all__ = ['BackboneWarmupHook', 'ProxyanchorVisualizationHook', 'draw_sample',
           'nearest_neighbours']
