"""Metrics of gta (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import GtaAccuracy

__all__ = ['GtaAccuracy']
