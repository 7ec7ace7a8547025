"""Metrics of selfy (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import SelfyAccuracy

__all__ = ['SelfyAccuracy']
