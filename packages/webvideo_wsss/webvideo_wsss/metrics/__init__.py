"""Metrics of webvideo_wsss: cvshared's ``PseudoLabelIoUMetric`` (VOC mIoU over the ``pred`` /
``gt`` label maps of the models' predict outputs), imported here so that it is registered."""
from cvshared.metrics.segmentation import PseudoLabelIoUMetric

__all__ = ['PseudoLabelIoUMetric']
