"""VOC-style instance segmentation AP (mAP at mask IoU 0.5 and 0.7), as chainercv's
``eval_instance_segmentation_voc`` defines it (the evaluation of IRN, after FCIS).

For each class ``l`` (labels are foreground ids ``0..num_classes-1``):

1. In every image, the predictions of class ``l`` are visited by decreasing score; each one
   takes the ground-truth instance of class ``l`` with the highest mask IoU (IoU and
   threshold compared in float32, as chainercv's float32 ``mask_iou`` against a Python float
   does: an IoU of exactly 7/10 passes 0.7). It is a true positive if that IoU is
   ``>= iou_thresh`` and that instance
   was not taken by a higher-scored prediction; otherwise a false positive (a prediction whose
   best instance is already taken does NOT fall back to its second best).
2. All predictions of class ``l`` of all images are ranked by score; precision / recall are the
   cumulative TP / (TP + FP) and TP / (number of ground-truth instances of ``l``).
3. AP = area under the precision envelope (``use_07_metric=False``, chainercv's default: the
   precision made monotone from the right, integrated over the recall steps), or the VOC 2007
   11-point mean of the best precision at recall >= 0, 0.1, ..., 1 (``use_07_metric=True``).

A class without ground truth has AP NaN (even if predicted), a class with ground truth but no
prediction has AP 0; ``mAP = nanmean``. No "difficult" instances (VOC SegmentationObject has
none). Ties in score are ordered as chainercv orders them (``argsort()[::-1]``).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS

__all__ = ['mask_iou', 'instance_prec_rec', 'voc_ap', 'eval_instance_segmentation_voc',
           'VOCInstanceAPMetric']


def _np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def mask_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``float32 (N, K)`` IoU between boolean masks ``a (N, H, W)`` and ``b (K, H, W)``."""
    if a.shape[1:] != b.shape[1:]:
        raise ValueError(f'mask sizes differ: {a.shape[1:]} vs {b.shape[1:]}')
    fa = a.reshape(len(a), -1).astype(np.int64)
    fb = b.reshape(len(b), -1).astype(np.int64)
    inter = fa @ fb.T
    union = fa.sum(1)[:, None] + fb.sum(1)[None, :] - inter
    with np.errstate(divide='ignore', invalid='ignore'):
        return (inter / union).astype(np.float32)


def instance_prec_rec(pred_masks: Iterable, pred_labels: Iterable, pred_scores: Iterable,
                      gt_masks: Iterable, gt_labels: Iterable, iou_thresh: float):
    """``(prec, rec)``: per class (index = label, up to the largest label seen) the arrays of
    cumulative precision / recall over the score-ranked predictions, or None (no prediction
    and no ground truth for ``prec``; no ground truth for ``rec``)."""
    n_pos: dict[int, int] = {}
    scores: dict[int, list] = {}
    matches: dict[int, list] = {}
    images = zip(pred_masks, pred_labels, pred_scores, gt_masks, gt_labels, strict=True)
    for pm, pl, ps, gm, gl in images:
        pm, pl, ps, gm, gl = (_np(v) for v in (pm, pl, ps, gm, gl))
        pl, gl = pl.astype(int).reshape(-1), gl.astype(int).reshape(-1)
        if len(pm) != len(pl) or len(ps) != len(pl) or len(gm) != len(gl):
            raise ValueError(f'{len(pm)} predicted masks, {len(pl)} labels, {len(ps)} scores; '
                             f'{len(gm)} ground-truth masks, {len(gl)} labels: counts differ')
        for lab in np.unique(np.concatenate([pl, gl])):
            lab = int(lab)
            keep = pl == lab
            order = ps[keep].argsort()[::-1]
            masks_l, scores_l = pm[keep][order], ps[keep][order]
            gts_l = gm[gl == lab]
            n_pos[lab] = n_pos.get(lab, 0) + len(gts_l)
            scores.setdefault(lab, []).extend(scores_l.tolist())
            match = matches.setdefault(lab, [])
            if len(masks_l) == 0:
                continue
            if len(gts_l) == 0:
                match.extend([0] * len(masks_l))
                continue
            iou = mask_iou(masks_l.astype(bool), gts_l.astype(bool))
            best = iou.argmax(axis=1)
            best[iou.max(axis=1) < np.float32(iou_thresh)] = -1
            taken = np.zeros(len(gts_l), bool)
            for j in best:
                match.append(int(j >= 0 and not taken[j]))
                if j >= 0:
                    taken[j] = True
    if not n_pos:
        return [], []
    n = max(n_pos) + 1
    prec, rec = [None] * n, [None] * n
    for lab in n_pos:
        order = np.array(scores[lab]).argsort()[::-1]
        m = np.array(matches[lab], dtype=np.int8)[order]
        tp, fp = np.cumsum(m == 1), np.cumsum(m == 0)
        with np.errstate(divide='ignore', invalid='ignore'):
            prec[lab] = tp / (tp + fp)
        if n_pos[lab] > 0:
            rec[lab] = tp / n_pos[lab]
    return prec, rec


def voc_ap(prec: Sequence, rec: Sequence, use_07_metric: bool = False) -> np.ndarray:
    """Per-class AP from :func:`instance_prec_rec` (NaN where ``prec`` or ``rec`` is None)."""
    ap = np.full(len(prec), np.nan)
    for lab, (p, r) in enumerate(zip(prec, rec)):
        if p is None or r is None:
            continue
        p = np.nan_to_num(p)
        if use_07_metric:
            ap[lab] = sum((p[r >= t].max() if (r >= t).any() else 0) / 11
                          for t in np.arange(0., 1.1, 0.1))
        else:
            mpre = np.maximum.accumulate(np.r_[0, p, 0][::-1])[::-1]
            mrec = np.r_[0, r, 1]
            steps = np.flatnonzero(mrec[1:] != mrec[:-1])
            ap[lab] = np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1])
    return ap


def eval_instance_segmentation_voc(pred_masks, pred_labels, pred_scores, gt_masks, gt_labels,
                                   iou_thresh: float = 0.5, use_07_metric: bool = False,
                                   num_classes: int | None = None) -> dict:
    """``{'ap': per-class AP (length num_classes, or the largest label + 1), 'map'}``."""
    prec, rec = instance_prec_rec(pred_masks, pred_labels, pred_scores, gt_masks, gt_labels,
                                  iou_thresh)
    ap = voc_ap(prec, rec, use_07_metric)
    if num_classes is not None:
        if len(ap) > num_classes:
            raise ValueError(f'label {len(ap) - 1} >= num_classes={num_classes}')
        ap = np.r_[ap, np.full(num_classes - len(ap), np.nan)]
    return dict(ap=ap, map=float(np.nanmean(ap)) if np.isfinite(ap).any() else float('nan'))


@METRICS.register_module()
class VOCInstanceAPMetric(BaseMetric):
    """Instance mask mAP at each IoU threshold (see the module docstring), in percent.

    ``process`` reads per data sample ``pred_instances`` (``masks`` N x H x W, ``labels``,
    ``scores``) and ``gt_instances`` (``masks``, ``labels``), as mmdet's ``DetDataSample`` or
    plain dicts; labels are foreground ids 0..C-1. Keys: ``mAP@0.5``, ``mAP@0.7``.
    """

    default_prefix = None

    def __init__(self, iou_thrs: Sequence[float] = (0.5, 0.7), use_07_metric: bool = False,
                 num_classes: int | None = None, collect_device: str = 'cpu',
                 prefix: str | None = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.iou_thrs = tuple(iou_thrs)
        self.use_07_metric = use_07_metric
        self.num_classes = num_classes

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for s in data_samples:
            p, g = s['pred_instances'], s['gt_instances']
            self.results.append(tuple(_np(v) for v in (p['masks'], p['labels'], p['scores'],
                                                       g['masks'], g['labels'])))

    def compute_metrics(self, results: list) -> dict[str, float]:
        cols = list(zip(*results)) if results else [[]] * 5
        out = {}
        for t in self.iou_thrs:
            r = eval_instance_segmentation_voc(*cols, iou_thresh=t,
                                               use_07_metric=self.use_07_metric,
                                               num_classes=self.num_classes)
            out[f'mAP@{t:g}'] = round(100 * r['map'], 2)
        return out
