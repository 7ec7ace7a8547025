"""Metrics of webvideo_wsss (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import WebvideoWsssAccuracy

__all__ = ['WebvideoWsssAccuracy']
