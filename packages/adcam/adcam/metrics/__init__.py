"""Metrics of adcam: the pseudo-label mIoU is the shared
``cvshared.metrics.segmentation.PseudoLabelIoUMetric`` (importing it registers it; the configs'
test evaluator) and :func:`adcam.pipeline.evaluate` (the pipeline stage)."""
from cvshared.metrics.segmentation import PseudoLabelIoUMetric

__all__ = ['PseudoLabelIoUMetric']
