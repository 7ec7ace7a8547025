"""Metrics of irn: none of its own. The pseudo-label mIoU is
``cvshared.metrics.segmentation.evaluate_label_maps`` (mmseg's IoUMetric on the same arrays),
the instance AP at IoU 0.5 / 0.7 ``cvshared.metrics.instance_ap`` (chainercv's definition),
both called by :mod:`irn.pipeline`; the final DeepLab / Mask R-CNN stages use mmseg's
``IoUMetric`` and mmdet's ``CocoMetric``."""
__all__: list = []
