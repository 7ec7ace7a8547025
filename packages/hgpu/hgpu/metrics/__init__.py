"""Metrics of hgpu (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import HgpuAccuracy

__all__ = ['HgpuAccuracy']
