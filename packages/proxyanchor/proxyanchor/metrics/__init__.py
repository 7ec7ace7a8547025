"""Metrics of proxyanchor (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import ProxyanchorAccuracy

__all__ = ['ProxyanchorAccuracy']
