"""Models of i2crc (registered in :mod:`i2crc.registry`)."""
from .backbone import I2crcVGG16D1
from .classifier import PARAMWISE_CFG, I2crcCAMNet, paramwise_cfg
from .relation import relation_losses
from .segmentor import I2crcMSCSegmentor

__all__ = ['I2crcVGG16D1', 'I2crcCAMNet', 'I2crcMSCSegmentor', 'PARAMWISE_CFG',
           'paramwise_cfg', 'relation_losses']
