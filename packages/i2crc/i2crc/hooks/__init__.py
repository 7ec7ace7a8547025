"""Hooks of i2crc."""
from .visualization import I2crcVisualizationHook, draw_sample

__all__ = ['I2crcVisualizationHook', 'draw_sample']
