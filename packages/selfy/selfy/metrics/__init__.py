"""Metrics of selfy: none of its own. Top-1 / top-5 and FineGym's mean per-class accuracy are
mmaction2's ``AccMetric`` (``acc/top1``, ``acc/top5``, ``acc/mean1``)."""
