"""Metrics of i2crc: none of its own. Pseudo labels are scored with
``cvshared.metrics.segmentation`` (``evaluate_label_maps`` / ``PseudoLabelIoUMetric``), the
DeepLab with mmseg's ``IoUMetric``."""
