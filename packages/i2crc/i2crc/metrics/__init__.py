"""Metrics of i2crc (mmengine ``BaseMetric``; keys as ``SPEC.reported`` uses them)."""
from .accuracy import I2crcAccuracy

__all__ = ['I2crcAccuracy']
