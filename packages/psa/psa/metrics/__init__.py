"""Metrics of psa: the pseudo-label / segmentation mIoU is the shared
``cvshared.metrics.segmentation.PseudoLabelIoUMetric`` (equal to mmseg's IoUMetric)."""
from cvshared.metrics.segmentation import PseudoLabelIoUMetric

__all__ = ['PseudoLabelIoUMetric']
