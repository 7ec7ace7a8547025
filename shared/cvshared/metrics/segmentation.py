"""Semantic segmentation IoU for (pseudo-)label maps: the mIoU of PSA / IRN / WSSS papers.

Per class ``c`` over all evaluated pixels (ground truth ``!= ignore_index``)::

    IoU_c = |pred = c and gt = c| / (|pred = c| + |gt = c| - |pred = c and gt = c|)
    mIoU  = nanmean_c IoU_c   (a class absent from both prediction and ground truth is NaN
                               and skipped)
    aAcc  = sum_c |pred = c and gt = c| / |gt valid|,   mAcc = nanmean_c |pred=c, gt=c| / |gt=c|

This is mmseg's ``IoUMetric`` (same keys ``aAcc``, ``mIoU``, ``mAcc``, in percent rounded to 2
decimals; predicted ids outside ``0..num_classes-1`` count in no class but their pixels still
count in ``|gt = c|``). Counts are accumulated as int64 and divided in float64 (mmseg sums
float32 histograms, which loses exactness beyond 2^24 pixels per class; on smaller sets the two
agree to float32 rounding). ``pred_ignore_as`` maps predicted ``ignore_index`` pixels to a class
first: IRN's ``eval_sem_seg.py`` sets predicted 255 to background (``pred_ignore_as=0``) before
chainercv's confusion matrix, which then equals this metric.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS

__all__ = ['segmentation_areas', 'areas_to_metrics', 'evaluate_label_maps',
           'LabelMapMetric', 'PseudoLabelIoUMetric']


def _np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def segmentation_areas(pred, gt, num_classes: int, ignore_index: int = 255,
                       pred_ignore_as: int | None = None) -> np.ndarray:
    """``int64 (4, num_classes)``: intersection, union, predicted area, ground-truth area."""
    pred, gt = _np(pred).squeeze(), _np(gt).squeeze()
    if pred.shape != gt.shape:
        raise ValueError(f'prediction {pred.shape} and ground truth {gt.shape} differ in size')
    pred = pred.astype(np.int64)
    gt = gt.astype(np.int64)
    if pred_ignore_as is not None:
        pred = np.where(pred == ignore_index, pred_ignore_as, pred)
    valid = gt != ignore_index
    pred, gt = pred[valid], gt[valid]

    def hist(v):
        v = v[(v >= 0) & (v < num_classes)]
        return np.bincount(v, minlength=num_classes)

    inter = hist(pred[pred == gt])
    area_pred, area_gt = hist(pred), hist(gt)
    return np.stack([inter, area_pred + area_gt - inter, area_pred, area_gt])


def areas_to_metrics(areas: np.ndarray) -> dict[str, np.ndarray]:
    """Unrounded fractions: ``aAcc`` (scalar), ``IoU`` and ``Acc`` (per class, NaN if empty)."""
    inter, union, _, area_gt = (areas[i].astype(np.float64) for i in range(4))
    with np.errstate(divide='ignore', invalid='ignore'):
        return dict(aAcc=inter.sum() / area_gt.sum(), IoU=inter / union, Acc=inter / area_gt)


def evaluate_label_maps(preds: Iterable, gts: Iterable, num_classes: int,
                        ignore_index: int = 255, pred_ignore_as: int | None = None) -> dict:
    """Unrounded ``{'aAcc', 'mIoU', 'mAcc', 'IoU' (per class)}`` over pairs of label maps."""
    total = np.zeros((4, num_classes), np.int64)
    for p, g in zip(preds, gts, strict=True):
        total += segmentation_areas(p, g, num_classes, ignore_index, pred_ignore_as)
    m = areas_to_metrics(total)
    return dict(aAcc=float(m['aAcc']), mIoU=float(np.nanmean(m['IoU'])),
                mAcc=float(np.nanmean(m['Acc'])), IoU=m['IoU'])


class LabelMapMetric(BaseMetric):
    """Base of the metrics over pairs of label maps: the class count and the samples' maps.

    A sample holds ``pred_sem_seg.data`` / ``gt_sem_seg.data`` (mmseg's ``SegDataSample``
    fields) or plain ``pred`` / ``gt`` arrays; ``num_classes`` defaults to
    ``len(dataset_meta['classes'])``.
    """

    default_prefix = None
    num_classes: int | None = None

    def _classes(self) -> int:
        if self.num_classes is not None:
            return self.num_classes
        if not self.dataset_meta or 'classes' not in self.dataset_meta:
            raise ValueError(f'{type(self).__name__} needs num_classes or '
                             'dataset_meta["classes"]')
        return len(self.dataset_meta['classes'])

    @staticmethod
    def label_maps(sample) -> tuple:
        if 'pred_sem_seg' in sample:
            return sample['pred_sem_seg']['data'], sample['gt_sem_seg']['data']
        return sample['pred'], sample['gt']


@METRICS.register_module()
class PseudoLabelIoUMetric(LabelMapMetric):
    """mIoU of predicted or pseudo label maps (see the module docstring).

    ``process`` reads, per data sample, ``pred_sem_seg.data`` / ``gt_sem_seg.data`` (the mmseg
    ``SegDataSample`` fields, as ``IoUMetric``) or plain ``pred`` / ``gt`` arrays (label maps
    read from the PNGs of a pseudo-label stage).

    Args:
        num_classes: number of classes; default ``len(dataset_meta['classes'])``.
        ignore_index: ground-truth id left out of the evaluation.
        pred_ignore_as: class given to predicted ``ignore_index`` pixels (None: left as is).
        classwise: also return ``IoU.<class name>`` entries.
    """

    def __init__(self, num_classes: int | None = None, ignore_index: int = 255,
                 pred_ignore_as: int | None = None, classwise: bool = False,
                 collect_device: str = 'cpu', prefix: str | None = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.pred_ignore_as = pred_ignore_as
        self.classwise = classwise

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        n = self._classes()
        for s in data_samples:
            pred, gt = self.label_maps(s)
            self.results.append(segmentation_areas(pred, gt, n, self.ignore_index,
                                                   self.pred_ignore_as))

    def compute_metrics(self, results: list) -> dict[str, float]:
        m = areas_to_metrics(np.sum(results, axis=0))
        out = dict(aAcc=np.round(m['aAcc'] * 100, 2),
                   mIoU=np.round(np.nanmean(m['IoU']) * 100, 2),
                   mAcc=np.round(np.nanmean(m['Acc']) * 100, 2))
        out = {k: float(v) for k, v in out.items()}
        if self.classwise:
            names = (self.dataset_meta or {}).get('classes') or [str(i) for i in
                                                                 range(len(m['IoU']))]
            out.update({f'IoU.{c}': float(np.round(v * 100, 2)) for c, v in zip(names, m['IoU'])})
        return out
