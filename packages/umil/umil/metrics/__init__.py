"""Metrics of umil (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import UmilAccuracy

__all__ = ['UmilAccuracy']
