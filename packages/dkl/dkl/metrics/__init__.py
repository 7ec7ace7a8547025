"""Metrics of dkl (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import DklAccuracy

__all__ = ['DklAccuracy']
