"""Metrics of gta: none of its own. Top-1 / top-5 are mmaction2's ``AccMetric``
(``acc/top1``, ``acc/top5``)."""
