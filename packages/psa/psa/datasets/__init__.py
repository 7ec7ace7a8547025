"""Data of psa: PASCAL VOC 2012 + SBD train_aug (``cvshared.datasets.voc``), its synthetic
generator (``cvshared.datasets.voc_synthetic``) and PSA's transforms."""
from .transforms import (
                         PsaAffinityLabel,
                         PsaJointRandomCrop,
                         PsaLoadAffinityScores,
                         PsaLoadCAM,
                         PsaPackInputs,
                         make_synthetic,
)

__all__ = ['PsaAffinityLabel', 'PsaJointRandomCrop', 'PsaLoadAffinityScores', 'PsaLoadCAM',
           'PsaPackInputs',
           'make_synthetic']
