"""Metrics of i2crc: none of its own. Pseudo labels are scored with
``cvshared.metrics.segmentation`` (``evaluate_label_maps``; ``PseudoLabelIoUMetric``, imported
here so that ``custom_imports=['i2crc']`` registers it), the DeepLab with mmseg's ``IoUMetric``."""
from cvshared.metrics.segmentation import PseudoLabelIoUMetric

__all__ = ['PseudoLabelIoUMetric']
