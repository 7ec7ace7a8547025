"""Metrics of motionsqueeze (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import MotionsqueezeAccuracy

__all__ = ['MotionsqueezeAccuracy']
