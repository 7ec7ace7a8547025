"""Metrics of hcml (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import HcmlAccuracy

__all__ = ['HcmlAccuracy']
