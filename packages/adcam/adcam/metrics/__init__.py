"""Metrics of adcam (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import AdcamAccuracy

__all__ = ['AdcamAccuracy']
