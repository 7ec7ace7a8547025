"""Hooks of webvideo_wsss: the pictures (:mod:`.visualization`)."""
from .visualization import WebVideoVisualizationHook, draw_sample, draw_video_frame

__all__ = ['WebVideoVisualizationHook', 'draw_sample', 'draw_video_frame']
