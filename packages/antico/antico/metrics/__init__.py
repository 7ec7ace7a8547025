"""Metrics of antico (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import AnticoAccuracy

__all__ = ['AnticoAccuracy']
