"""Data of i2crc: the benchmark's on-disk layout and its synthetic generator."""
from .folder import I2crcFolderDataset, I2crcLoadImage, I2crcPackInputs, check_layout
from .synthetic import make_synthetic

__all__ = ['I2crcFolderDataset', 'I2crcLoadImage', 'I2crcPackInputs', 'check_layout',
           'make_synthetic']
