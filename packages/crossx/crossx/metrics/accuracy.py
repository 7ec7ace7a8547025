"""Top-1 accuracy as a fraction (``accuracy/top1``; x100 for the paper's percent)."""
from __future__ import annotations

import numpy as np
from mmengine.evaluator import BaseMetric

from ..registry import METRICS


@METRICS.register_module()
class CrossxAccuracy(BaseMetric):
    default_prefix = 'accuracy'

    def process(self, data_batch, data_samples) -> None:
        self.results.extend(int(s['pred_label'] == s['label']) for s in data_samples)

    def compute_metrics(self, results) -> dict:
        return dict(top1=float(np.mean(results)))
