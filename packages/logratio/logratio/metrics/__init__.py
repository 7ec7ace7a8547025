"""Metrics of logratio (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import LogratioAccuracy

__all__ = ['LogratioAccuracy']
