"""Hooks of peerlearning: the per-epoch plans and the pictures."""
from .schedule import PeerLearningScheduleHook, official_lr
from .visualization import PeerlearningVisualizationHook, draw_sample, draw_selection

__all__ = ['PeerLearningScheduleHook', 'official_lr', 'PeerlearningVisualizationHook',
           'draw_sample', 'draw_selection']
