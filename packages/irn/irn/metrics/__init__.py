"""Metrics of irn (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import IrnAccuracy

__all__ = ['IrnAccuracy']
