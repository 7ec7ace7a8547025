"""Data of adcam: PASCAL VOC 2012 (+ SBD) read with :class:`cvshared.datasets.voc.VOCWSSSDataset`
(the official on-disk layout), the packing transform, and the synthetic set."""
from .transforms import AdcamPackInputs, make_synthetic

__all__ = ['AdcamPackInputs', 'make_synthetic']
