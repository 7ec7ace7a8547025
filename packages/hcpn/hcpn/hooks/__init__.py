"""Hooks of hcpn."""
from .visualization import HCPNVisualizationHook, draw_sample

__all__ = ['HCPNVisualizationHook', 'draw_sample']
