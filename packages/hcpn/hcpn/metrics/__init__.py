"""Metrics of hcpn (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import HcpnAccuracy

__all__ = ['HcpnAccuracy']
