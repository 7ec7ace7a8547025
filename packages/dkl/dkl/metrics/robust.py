"""Clean and robust top-1 accuracy (fractions; x100 for the paper's percent):
``robust/natural`` and ``robust/<attack name>`` for the outputs of
:class:`dkl.engine.RobustTestLoop`. Plain test loops' outputs (mmpretrain ``DataSample``s)
give ``robust/natural`` only."""
from __future__ import annotations

import numpy as np
from mmengine.evaluator import BaseMetric

from ..registry import METRICS


def _field(sample, name, default=None):
    if isinstance(sample, dict):
        return sample.get(name, default)
    return getattr(sample, name, default)


def _int(value) -> int:
    return int(value.reshape(-1)[0]) if hasattr(value, 'reshape') else int(value)


@METRICS.register_module()
class RobustAccuracy(BaseMetric):  # candidate for cvshared
    default_prefix = 'robust'

    def process(self, data_batch, data_samples) -> None:
        for s in data_samples:
            gt = _int(_field(s, 'gt_label'))
            self.results.append((gt, _int(_field(s, 'pred_label')),
                                 dict(_field(s, 'adv_pred_label', None) or {})))

    def compute_metrics(self, results) -> dict:
        gt = np.array([r[0] for r in results])
        out = dict(natural=float(np.mean(np.array([r[1] for r in results]) == gt)))
        for name in results[0][2] if results else ():
            out[name] = float(np.mean(np.array([r[2][name] for r in results]) == gt))
        return out
