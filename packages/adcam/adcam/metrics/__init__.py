"""Metrics of adcam: the pseudo-label mIoU is cvshared's ``PseudoLabelIoUMetric`` (configs) and
:func:`adcam.pipeline.evaluate` (the pipeline); nothing of its own."""
__all__: list = []
