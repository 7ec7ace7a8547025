"""Data of i2crc: VOC + saliency maps in the released layout, and the synthetic set."""
from .saliency import (
                       SALIENCY_DIR,
                       SALIENCY_TREE,
                       I2crcColorJitter,
                       I2crcLoadSaliency,
                       I2crcPackInputs,
                       I2crcSaliencyDataset,
                       read_saliency,
                       saliency_path,
)
from .synthetic import make_synthetic, synthetic_saliency, write_saliency

__all__ = ['SALIENCY_DIR', 'SALIENCY_TREE', 'I2crcColorJitter', 'I2crcLoadSaliency',
           'I2crcPackInputs', 'I2crcSaliencyDataset', 'make_synthetic', 'read_saliency',
           'saliency_path', 'synthetic_saliency', 'write_saliency']
