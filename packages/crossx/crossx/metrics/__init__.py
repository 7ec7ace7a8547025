"""Metrics of crossx (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import CrossxAccuracy

__all__ = ['CrossxAccuracy']
