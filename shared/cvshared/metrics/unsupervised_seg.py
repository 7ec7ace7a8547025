"""Unsupervised semantic segmentation: Hungarian-matched and linear-probe Accuracy / mIoU.

The protocol of STEGO and of the papers built on it (HP, PPAP): ``utils/seg_utils.py::
UnsupervisedMetrics`` of the official repositories. Over all evaluated pixels (ground truth in
``0..num_classes-1``; the rest, e.g. -1 / 255, is ignored) a confusion matrix ``C[cluster,
class]`` is accumulated. The cluster probe's clusters are matched one-to-one to the classes by
the Hungarian algorithm maximising the matched pixels (``scipy.optimize.linear_sum_assignment``,
as the official); the linear probe's outputs are classes already (identity matching). Then, per
class ``c`` with ``tp`` the pixels of the cluster matched to ``c`` that are ``c``::

    IoU_c = tp / (|predicted c| + |class c| - tp),   mIoU = nanmean_c IoU_c
    Accuracy = sum_c tp / |evaluated pixels|

both in percent, unrounded (the official reports ``100 * value``).

Differences from the official class, kept deliberately:

- The official drops, in ``update``, every pixel whose prediction is ``>= num_classes``. With
  ``extra_clusters = 0`` (every official config) no prediction is, and the two agree. With
  extra clusters (``num_clusters > num_classes``) we keep those pixels: a cluster left unmatched
  predicts no class, so its pixels count against the class they belong to (the usual definition,
  and what a user comparing over-clustering settings expects; the official would score them as
  if they had not been predicted).
- A prediction outside ``0..num_clusters-1`` is an error here (the official drops it silently).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmengine.registry import METRICS
from scipy.optimize import linear_sum_assignment

from .segmentation import LabelMapMetric

__all__ = ['cluster_confusion', 'hungarian_assignment', 'unsupervised_scores',
           'UnsupervisedSegMetric']


def _np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def cluster_confusion(pred, gt, num_classes: int, num_clusters: int | None = None) -> np.ndarray:
    """``int64 [num_clusters, num_classes]``: pixels of each predicted cluster in each class.

    Pixels whose ground truth is outside ``0..num_classes-1`` are ignored.
    """
    num_clusters = num_classes if num_clusters is None else num_clusters
    pred, gt = _np(pred).reshape(-1).astype(np.int64), _np(gt).reshape(-1).astype(np.int64)
    if pred.shape != gt.shape:
        raise ValueError(f'prediction ({pred.size} pixels) and ground truth ({gt.size}) differ '
                         'in size')
    valid = (gt >= 0) & (gt < num_classes)
    pred, gt = pred[valid], gt[valid]
    if pred.size and (pred.min() < 0 or pred.max() >= num_clusters):
        raise ValueError(f'predicted cluster ids must lie in [0, {num_clusters}), got '
                         f'{int(pred.min())}..{int(pred.max())}; set num_clusters (= num_classes '
                         '+ extra clusters) to the probe size')
    return np.bincount(pred * num_classes + gt,
                       minlength=num_clusters * num_classes).reshape(num_clusters, num_classes)


def hungarian_assignment(confusion: np.ndarray) -> np.ndarray:
    """``int64 [num_clusters]``: the class matched to each cluster (-1: unmatched).

    One-to-one, maximising the matched pixels (``linear_sum_assignment(maximize=True)``).
    """
    confusion = np.asarray(confusion)
    if confusion.shape[0] < confusion.shape[1]:
        raise ValueError(f'{confusion.shape[0]} clusters cannot be matched one-to-one to '
                         f'{confusion.shape[1]} classes: use at least as many clusters')
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    out = np.full(confusion.shape[0], -1, np.int64)
    out[rows] = cols
    return out


def unsupervised_scores(confusion: np.ndarray, hungarian: bool = True) -> dict:
    """``{'Accuracy', 'mIoU'}`` in percent, ``IoU`` per class, ``assignment`` per cluster."""
    confusion = np.asarray(confusion, np.int64)
    n_clusters, n_classes = confusion.shape
    if hungarian:
        assignment = hungarian_assignment(confusion)
    else:
        if n_clusters != n_classes:
            raise ValueError('identity matching (a linear probe) needs as many outputs as '
                             f'classes, got {n_clusters} and {n_classes}')
        assignment = np.arange(n_classes)
    matched = np.zeros((n_classes, n_classes), np.int64)    # [predicted class, class]
    for cluster, cls in enumerate(assignment):
        if cls >= 0:
            matched[cls] += confusion[cluster]
    tp = np.diag(matched).astype(np.float64)
    predicted = matched.sum(1).astype(np.float64)
    actual = confusion.sum(0).astype(np.float64)    # unmatched clusters' pixels still count
    with np.errstate(divide='ignore', invalid='ignore'):
        iou = tp / (predicted + actual - tp)
    total = actual.sum()
    return dict(Accuracy=100 * tp.sum() / total if total else float('nan'),
                mIoU=100 * float(np.nanmean(iou)) if np.isfinite(iou).any() else float('nan'),
                IoU=iou, assignment=assignment)


@METRICS.register_module()
class UnsupervisedSegMetric(LabelMapMetric):
    """Hungarian-matched (cluster probe) or identity (linear probe) Accuracy / mIoU.

    ``process`` reads per data sample ``pred_sem_seg.data`` and ``gt_sem_seg.data`` (mmseg's
    ``SegDataSample`` fields) or plain ``pred`` / ``gt`` arrays.

    Args:
        num_classes: classes of the benchmark (27 for COCO-Stuff-27 and Cityscapes-27, 3 for
            Potsdam-3); default ``len(dataset_meta['classes'])``.
        num_clusters: outputs of the probe (default ``num_classes``: the official configs).
        hungarian: True for the cluster probe, False for the linear probe.
        pred_key: the data-sample field of the prediction (``pred_sem_seg``: the cluster
            probe of :class:`cvshared.useg.segmentor.USegSegmentor`; ``linear_pred_sem_seg``:
            its linear probe).
    """

    def __init__(self, num_classes: int | None = None, num_clusters: int | None = None,
                 hungarian: bool = True, pred_key: str = 'pred_sem_seg',
                 collect_device: str = 'cpu',
                 prefix: str | None = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_classes = num_classes
        self.num_clusters = num_clusters
        self.hungarian = hungarian
        self.pred_key = pred_key

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        n = self._classes()
        for s in data_samples:
            if self.pred_key != 'pred_sem_seg':
                if self.pred_key not in s:
                    raise KeyError(f'{type(self).__name__}: the outputs have no '
                                   f'{self.pred_key!r} (fields: {sorted(s)})')
                s = dict(s, pred_sem_seg=s[self.pred_key])
            pred, gt = self.label_maps(s)
            self.results.append(cluster_confusion(pred, gt, n, self.num_clusters or n))

    def compute_metrics(self, results: list) -> dict[str, float]:
        scores = unsupervised_scores(np.sum(results, axis=0), self.hungarian)
        return dict(Accuracy=float(scores['Accuracy']), mIoU=float(scores['mIoU']))
