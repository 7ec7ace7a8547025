"""Metrics of psa (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import PsaAccuracy

__all__ = ['PsaAccuracy']
