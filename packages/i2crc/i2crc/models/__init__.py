"""Models of i2crc (registered in :mod:`i2crc.registry`)."""
from .backbone import I2crcConvNet
from .classifier import I2crcClassifier

__all__ = ['I2crcConvNet', 'I2crcClassifier']
