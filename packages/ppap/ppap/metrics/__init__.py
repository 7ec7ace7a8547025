"""Metrics of ppap (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import PpapAccuracy

__all__ = ['PpapAccuracy']
