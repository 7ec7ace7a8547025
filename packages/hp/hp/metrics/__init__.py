"""Metrics of hp (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import HpAccuracy

__all__ = ['HpAccuracy']
