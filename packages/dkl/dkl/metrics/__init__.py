"""Metrics of dkl (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .robust import RobustAccuracy

__all__ = ['RobustAccuracy']
