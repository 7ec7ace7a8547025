"""Data of irn: PASCAL VOC 2012 + SBD train_aug (``cvshared.datasets.voc``), its synthetic
generator (``cvshared.datasets.voc_synthetic``) and IRN's transforms."""
from .synthetic import make_chain_synthetic, make_synthetic
from .transforms import (
    IrnLoadCAM,
    IrnLoadIRLabel,
    IrnPackInputs,
    IrnPairLabels,
    IrnRandomCrop,
    IrnRandomFlip,
    IrnRandomRescale,
    IrnRandomResizeLong,
)

__all__ = ['IrnLoadCAM', 'IrnLoadIRLabel', 'IrnPackInputs', 'IrnPairLabels', 'IrnRandomCrop',
           'IrnRandomFlip', 'IrnRandomResizeLong', 'IrnRandomRescale', 'make_chain_synthetic',
           'make_synthetic']
