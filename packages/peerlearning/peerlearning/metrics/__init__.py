"""Metrics of peerlearning (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import PeerlearningAccuracy

__all__ = ['PeerlearningAccuracy']
