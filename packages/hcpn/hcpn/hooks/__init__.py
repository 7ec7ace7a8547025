"""Hooks of hcpn."""
from .visualization import HcpnVisualizationHook, draw_sample

__all__ = ['HcpnVisualizationHook', 'draw_sample']
