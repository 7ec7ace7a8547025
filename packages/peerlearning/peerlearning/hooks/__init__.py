"""Hooks of peerlearning."""
from .visualization import PeerlearningVisualizationHook, draw_sample

__all__ = ['PeerlearningVisualizationHook', 'draw_sample']
