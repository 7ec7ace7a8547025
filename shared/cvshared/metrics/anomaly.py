"""Anomaly detection / localisation metrics: image AUROC, pixel AUROC and PRO.

All functions and metrics return **fractions** in [0, 1]; ``PaperSpec.metric_scale = 100``
turns them into the percentages papers print.

PRO (per-region overlap, Bergmann et al., "The MVTec AD ... dataset", IJCV 2021) follows the
evaluation most MVTec papers ship (e.g. MSFlow's ``eval_seg_pro``), in :func:`pro_auc`:

1. ``num_thresholds`` (800) thresholds ``t = min + i * (max - min) / 800`` over the score maps
   of the whole test set; a pixel is predicted anomalous when its score is ``> t``.
2. At each threshold, PRO(t) = mean over **all** ground-truth connected components (8-connected,
   of all images) of the fraction of the component predicted anomalous; FPR(t) = predicted
   anomalous normal pixels / normal pixels.
3. Keep thresholds with FPR(t) < ``fpr_limit`` (0.3), min-max rescale those FPRs to [0, 1] and
   integrate PRO over them with the trapezoidal rule.

:func:`pro_auc_exact` is the other integration in common use (anomalib's ``AUPRO``): every
distinct score is a threshold, the curve is cut at exactly FPR = ``fpr_limit`` by linear
interpolation and the area is divided by ``fpr_limit``. They differ by the threshold grid
(800 equispaced vs every score), by the right end (last FPR below 0.3 vs interpolated at 0.3)
and by the normalisation (min-max of the kept FPRs vs 1 / 0.3). On well-spread maps they are
close (57.45 vs 57.64 on the official golden maps; 1.1e-3 apart on anomalib's golden cases),
but they are NOT interchangeable in general: on saturated maps, where most scores sit in a few
of the 800 bins (MSFlow's A_mul = 1 - exp(L) is ~1 on most of a defective image), the coarse
grid keeps only a handful of FPR points below 0.3 and the two differed by up to 0.147 on
MSFlow maps of a held-out set (issue 8). Report both: ``AnomalyPRO(integration='both')`` gives
``PRO`` (the official 800-threshold value, the papers' metric) and ``PRO_exact``.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS
from skimage.measure import label as connected_components
from sklearn.metrics import auc, roc_auc_score


def _np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def image_auroc(labels, scores) -> float:
    """Area under the ROC of image scores against image labels (1 = anomalous)."""
    labels, scores = _np(labels).astype(bool).ravel(), _np(scores).astype(np.float64).ravel()
    if labels.all() or not labels.any():
        warnings.warn('image AUROC is undefined with a single class in the labels; NaN',
                      stacklevel=2)
        return float('nan')
    return float(roc_auc_score(labels, scores))


def pixel_auroc(masks, maps) -> float:
    """Area under the ROC of all pixels' scores against the ground-truth masks."""
    return image_auroc(_np(masks).ravel(), _np(maps).ravel())


def _regions(masks: np.ndarray, maps: np.ndarray) -> list[np.ndarray]:
    """Sorted scores of each 8-connected ground-truth region of each image."""
    regions = []
    for mask, amap in zip(masks, maps):
        labelled = connected_components(mask, connectivity=2)
        for r in range(1, labelled.max() + 1):
            regions.append(np.sort(amap[labelled == r]))
    return regions


def _pro_fpr_at(thresholds: np.ndarray, masks: np.ndarray, maps: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Mean per-region overlap and FPR for ``score > t`` at every threshold ``t``."""
    regions = _regions(masks, maps)
    if not regions:
        raise ValueError('PRO needs at least one anomalous ground-truth region')
    pro = np.zeros(len(thresholds), np.float64)
    for scores in regions:
        pro += (len(scores) - np.searchsorted(scores, thresholds, side='right')) / len(scores)
    pro /= len(regions)
    normal = np.sort(maps[~masks])
    if normal.size == 0:
        raise ValueError('PRO needs normal pixels to compute the false-positive rate')
    fpr = (normal.size - np.searchsorted(normal, thresholds, side='right')) / normal.size
    return pro, fpr


def pro_auc(masks, maps, num_thresholds: int = 800, fpr_limit: float = 0.3) -> float:
    """Normalised area under the PRO curve up to ``fpr_limit`` (the 800-threshold definition).

    Args:
        masks: (N, H, W) ground-truth masks (non-zero = anomalous).
        maps: (N, H, W) anomaly score maps (higher = more anomalous).
    """
    masks, maps = _np(masks) > 0, _np(maps)
    if not masks.any():
        warnings.warn('PRO is undefined without anomalous pixels; NaN', stacklevel=2)
        return float('nan')
    lo, hi = maps.min(), maps.max()
    # Same grid as np.arange(min, max, (max - min) / n) in the maps' dtype.
    thresholds = np.arange(lo, hi, (hi - lo) / num_thresholds)
    pro, fpr = _pro_fpr_at(thresholds, masks, maps)
    keep = fpr < fpr_limit
    fpr, pro = fpr[keep], pro[keep]
    if fpr.size < 2 or fpr.max() == fpr.min():
        warnings.warn('PRO: fewer than two distinct FPRs below the limit; NaN', stacklevel=2)
        return float('nan')
    fpr = (fpr - fpr.min()) / (fpr.max() - fpr.min())
    return float(auc(fpr, pro))


def pro_auc_exact(masks, maps, fpr_limit: float = 0.3) -> float:
    """PRO area up to ``fpr_limit`` over every distinct threshold, divided by ``fpr_limit``."""
    masks, maps = _np(masks) > 0, _np(maps).astype(np.float64)
    thresholds = np.unique(maps)
    thresholds = np.concatenate([[thresholds[0] - 1.0], thresholds])  # start at FPR = 1
    pro, fpr = _pro_fpr_at(thresholds, masks, maps)
    order = np.argsort(fpr, kind='stable')
    fpr, pro = fpr[order], pro[order]
    # Make the curve a function of FPR (ties keep the largest PRO), then cut at the limit.
    fpr_u, idx = np.unique(fpr, return_index=True)
    pro_u = np.maximum.reduceat(pro, idx)
    if fpr_u[0] > 0:
        fpr_u, pro_u = np.concatenate([[0.0], fpr_u]), np.concatenate([[0.0], pro_u])
    end = np.interp(fpr_limit, fpr_u, pro_u)
    keep = fpr_u < fpr_limit
    x = np.concatenate([fpr_u[keep], [fpr_limit]])
    y = np.concatenate([pro_u[keep], [end]])
    return float(np.trapezoid(y, x) / fpr_limit)


class _AnomalyMetric(BaseMetric):
    """Collects one field per test image; subclasses compute from the collected list."""

    default_prefix = 'anomaly'

    def __init__(self, collect_device: str = 'cpu', prefix: str | None = None,
                 collect_dir: str | None = None):
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)

    @staticmethod
    def _field(sample: dict, key: str):
        if key not in sample:
            raise KeyError(f'the model output has no {key!r} field (has {sorted(sample)}); set '
                           'the metric\'s key argument to the field the model predicts')
        return sample[key]


@METRICS.register_module()
class AnomalyImageAUROC(_AnomalyMetric):
    """Image-level AUROC of ``score_key`` against ``gt_label``; key ``<prefix>/image_AUROC``."""

    def __init__(self, score_key: str = 'pred_score', **kwargs):
        super().__init__(**kwargs)
        self.score_key = score_key

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for s in data_samples:
            self.results.append((int(self._field(s, 'gt_label')),
                                 float(self._field(s, self.score_key))))

    def compute_metrics(self, results: list) -> dict:
        labels, scores = zip(*results)
        return {'image_AUROC': image_auroc(labels, scores)}


class _MapMetric(_AnomalyMetric):

    def __init__(self, map_key: str = 'anomaly_map', **kwargs):
        super().__init__(**kwargs)
        self.map_key = map_key

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for s in data_samples:
            amap = _np(self._field(s, self.map_key)).astype(np.float32)
            mask = _np(self._field(s, 'gt_mask')) > 0
            if amap.shape != mask.shape:
                raise ValueError(f'{self.map_key} has shape {amap.shape} but gt_mask has '
                                 f'{mask.shape}; predict maps at the mask resolution')
            self.results.append((mask, amap))

    def _stack(self, results):
        masks, maps = zip(*results)
        return np.stack(masks), np.stack(maps)


@METRICS.register_module()
class AnomalyPixelAUROC(_MapMetric):
    """Pixel-level AUROC of ``map_key`` against ``gt_mask``; key ``<prefix>/pixel_AUROC``."""

    def compute_metrics(self, results: list) -> dict:
        masks, maps = self._stack(results)
        return {'pixel_AUROC': pixel_auroc(masks, maps)}


@METRICS.register_module()
class AnomalyPRO(_MapMetric):
    """Normalised PRO area up to ``fpr_limit`` (see the module docstring); key ``<prefix>/PRO``.

    ``integration='official'`` is the 800-threshold definition (key ``PRO``), ``'exact'`` the
    anomalib-style one (key ``PRO`` too, for configs that want only it), ``'both'`` gives
    ``PRO`` (official) and ``PRO_exact``.
    """

    def __init__(self, map_key: str = 'anomaly_map', num_thresholds: int = 800,
                 fpr_limit: float = 0.3, integration: str = 'official', **kwargs):
        super().__init__(map_key=map_key, **kwargs)
        if integration not in ('official', 'exact', 'both'):
            raise ValueError("integration must be 'official', 'exact' or 'both'")
        self.num_thresholds, self.fpr_limit, self.integration = (num_thresholds, fpr_limit,
                                                                 integration)

    def compute_metrics(self, results: list) -> dict:
        masks, maps = self._stack(results)
        if self.integration == 'exact':
            return {'PRO': pro_auc_exact(masks, maps, self.fpr_limit)}
        out = {'PRO': pro_auc(masks, maps, self.num_thresholds, self.fpr_limit)}
        if self.integration == 'both':
            out['PRO_exact'] = pro_auc_exact(masks, maps, self.fpr_limit)
        return out
