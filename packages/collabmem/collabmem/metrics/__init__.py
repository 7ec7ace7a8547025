"""Metrics of collabmem (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import CollabmemAccuracy

__all__ = ['CollabmemAccuracy']
