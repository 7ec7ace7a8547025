"""Hooks of proxyanchor."""
from .visualization import ProxyanchorVisualizationHook, draw_sample

__all__ = ['ProxyanchorVisualizationHook', 'draw_sample']
