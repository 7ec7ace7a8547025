"""Metrics of bnwvad (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import BnwvadAccuracy

__all__ = ['BnwvadAccuracy']
