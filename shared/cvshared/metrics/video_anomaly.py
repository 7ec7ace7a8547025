"""Frame-level metrics of weakly supervised video anomaly detection (UMIL, BN-WVAD, ...).

All values are **fractions** in [0, 1]; ``PaperSpec.metric_scale = 100`` gives the papers'
percentages. Every test video contributes all its frames; the metrics pool the frames of the
whole test set (not a mean over videos):

- ``AUC``: ROC-AUC of the frame scores against the frame labels (sklearn ``roc_curve`` +
  ``auc``, = ``roc_auc_score``).
- ``AP``: the official definition of BN-WVAD / UR-DMU (``test.py::get_metrics``):
  ``precision, recall = precision_recall_curve(gt, score); auc(recall, precision)``, the
  **trapezoid** under the PR curve, not sklearn's ``average_precision_score`` (the
  right-continuous step sum ``sum (R_n - R_{n-1}) P_n``). The trapezoid interpolates linearly
  between PR points, including from the first point (recall 0 at the top-scored frame's
  precision, 0 when that frame is normal) and through the saw-tooth of the curve, where the
  step sum takes the precision at the right end. :func:`frame_ap` with
  ``definition='sklearn'`` and the key ``AP_sklearn`` give the other value. Measured on 200
  random cases (``test_official_ap_vs_sklearn_ap_on_random_cases``: 2,000 frames, 20 %
  positives, scores = label * s + N(0, 1) with s uniform in [0, 3]): official - sklearn is
  -0.0008 on average, from -0.0024 to -0.00005 (official always lower there); on a case with
  a few frames the gap is large (labels ``[0, 1, 0, 1]`` scored ``[0.9, 0.8, 0.7, 0.1]``:
  official 1/3, sklearn 1/2).
- ``AUC_sub`` / ``AP_sub``: the same on the frames of the **abnormal** test videos only
  (BN-WVAD's ``frame_label/xd_anomaly_mask.npy``; UMIL's ``evaluate_result`` second value,
  videos whose ground truth has an abnormal frame). A video is abnormal when its data sample
  has a video-level ``gt_label`` of 1, or, without ``gt_label``, when any frame label is 1.

UMIL's post-processing (``utils/tools.py``), both optional here:

- :func:`snippet_to_frames` with ``mode='ratio'``: snippet ``i`` of ``n`` covers frames
  ``int(i * r + 0.5) : int((i + 1) * r + 0.5)``, ``r = n_frames / n`` (``evaluate_result``);
  ``mode='repeat'`` is BN-WVAD's ``np.repeat(score, 16)``.
- :func:`segment_smooth` (``postpress``, ``smooth_segments=32``): with ``w = len // 32``,
  frames ``[w i, w (i + 1))`` for ``i < 32`` are replaced by their mean and the tail
  ``[32 w, len)`` by its mean (a video shorter than 32 frames becomes its mean).

UMIL's ``evaluate_result`` marks an interval only when its start is ``> 0``: the frame labels
come from the data set, which reproduces that rule by default
(``VideoAnomalyRawFrameDataset(zero_start='official')``, see its docstring for its effect on
TAD); the metric does not re-read annotation files.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS
from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

__all__ = ['frame_auc', 'frame_ap', 'segment_smooth', 'snippet_to_frames',
           'VideoAnomalyFrameMetric']

METRIC_KEYS = ('AUC', 'AP', 'AUC_sub', 'AP_sub', 'AP_sklearn')


def _np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _check(labels, scores) -> tuple[np.ndarray, np.ndarray] | None:
    labels = _np(labels).astype(bool).ravel()
    scores = _np(scores).astype(np.float64).ravel()
    if labels.shape != scores.shape:
        raise ValueError(f'{labels.size} frame labels but {scores.size} frame scores')
    if labels.all() or not labels.any():
        return None
    return labels, scores


def frame_auc(labels, scores) -> float:
    """ROC-AUC of frame scores against frame labels (1 = abnormal); NaN with one class."""
    checked = _check(labels, scores)
    if checked is None:
        warnings.warn('frame AUC is undefined with a single class in the labels; NaN',
                      stacklevel=2)
        return float('nan')
    fpr, tpr, _ = roc_curve(*checked)
    return float(auc(fpr, tpr))


def frame_ap(labels, scores, definition: str = 'official') -> float:
    """Frame AP: ``'official'`` = ``auc(recall, precision)``, ``'sklearn'`` =
    ``average_precision_score`` (see the module docstring); NaN with one class."""
    if definition not in ('official', 'sklearn'):
        raise ValueError(f"definition must be 'official' or 'sklearn', got {definition!r}")
    checked = _check(labels, scores)
    if checked is None:
        warnings.warn('frame AP is undefined with a single class in the labels; NaN',
                      stacklevel=2)
        return float('nan')
    if definition == 'sklearn':
        return float(average_precision_score(*checked))
    precision, recall, _ = precision_recall_curve(*checked)
    return float(auc(recall, precision))


def segment_smooth(curve, seg_size: int = 32) -> np.ndarray:
    """UMIL's ``postpress``: mean over ``seg_size`` equal windows plus the tail (float64)."""
    curve = _np(curve).astype(np.float64).ravel()
    if seg_size < 1:
        raise ValueError(f'seg_size must be >= 1, got {seg_size}')
    n = curve.size
    w = n // seg_size
    out = curve.copy()
    if w > 0:
        out[:w * seg_size] = np.repeat(curve[:w * seg_size].reshape(seg_size, w).mean(1), w)
    if n > w * seg_size:
        out[w * seg_size:] = curve[w * seg_size:].mean()
    return out


def snippet_to_frames(scores, num_frames: int | None = None, mode: str = 'ratio',
                      repeat: int = 16) -> np.ndarray:
    """Frame scores from snippet scores.

    ``mode='ratio'`` (UMIL): ``num_frames`` frames, snippet ``i`` fills
    ``[int(i r + 0.5), int((i + 1) r + 0.5))`` with ``r = num_frames / len(scores)``; frames
    no snippet reaches stay 0, as officially. ``mode='repeat'`` (BN-WVAD): each snippet score
    ``repeat`` times; ``num_frames``, if given, must equal ``repeat * len(scores)``.
    """
    scores = _np(scores).astype(np.float64).ravel()
    if scores.size == 0:
        raise ValueError('no snippet scores (an empty video)')
    if mode == 'repeat':
        out = np.repeat(scores, repeat)
        if num_frames is not None and out.size != num_frames:
            raise ValueError(f'{scores.size} snippets x {repeat} frames = {out.size} frames, '
                             f'but the ground truth has {num_frames}')
        return out
    if mode != 'ratio':
        raise ValueError(f"mode must be 'ratio' or 'repeat', got {mode!r}")
    if num_frames is None or num_frames < 1:
        raise ValueError(f"mode='ratio' needs num_frames >= 1, got {num_frames}")
    ratio = float(num_frames) / float(scores.size)
    out = np.zeros(num_frames, np.float64)
    for i, s in enumerate(scores):
        out[int(i * ratio + 0.5):int((i + 1) * ratio + 0.5)] = s
    return out


@METRICS.register_module()
class VideoAnomalyFrameMetric(BaseMetric):
    """Frame-level AUC / AP / AUC_sub / AP_sub over the whole test set (module docstring).

    Each data sample gives one test video: ``score_key`` (default ``pred_score``, 1-D, frame
    scores, or snippet scores when ``snippet_to_frame`` is set) and ``gt_frame_label`` (1-D,
    one 0/1 label per frame); optionally a video-level ``gt_label`` (used for the ``_sub``
    keys). Keys: ``<prefix>/<key>`` for each of ``metric``.

    Args:
        metric: any of ``AUC``, ``AP`` (official trapezoid), ``AUC_sub``, ``AP_sub``,
            ``AP_sklearn``.
        snippet_to_frame: ``None`` (scores are frame scores, lengths must match),
            ``'ratio'`` (UMIL) or ``'repeat'`` (BN-WVAD, ``repeat`` frames per snippet).
        smooth_segments: ``None`` or the number of segments of UMIL's ``postpress`` (32),
            applied per video after the frame expansion.
    """

    default_prefix = 'video_anomaly'

    def __init__(self, metric: str | Sequence[str] = ('AUC', 'AP', 'AUC_sub', 'AP_sub'),
                 score_key: str = 'pred_score', snippet_to_frame: str | None = None,
                 repeat: int = 16, smooth_segments: int | None = None,
                 collect_device: str = 'cpu', prefix: str | None = None,
                 collect_dir: str | None = None):
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        metrics = (metric,) if isinstance(metric, str) else tuple(metric)
        unknown = [m for m in metrics if m not in METRIC_KEYS]
        if unknown or not metrics:
            raise ValueError(f'unknown metrics {unknown}; choose from {METRIC_KEYS}')
        if snippet_to_frame not in (None, 'ratio', 'repeat'):
            raise ValueError(f"snippet_to_frame must be None, 'ratio' or 'repeat', got "
                             f'{snippet_to_frame!r}')
        self.metrics = metrics
        self.score_key = score_key
        self.snippet_to_frame = snippet_to_frame
        self.repeat = repeat
        self.smooth_segments = smooth_segments

    @staticmethod
    def _field(sample: dict, key: str):
        if key not in sample:
            raise KeyError(f'the data sample has no {key!r} field (has {sorted(sample)}); set '
                           'the metric\'s score_key to the field the model predicts')
        return sample[key]

    def video_frame_scores(self, scores, num_frames: int) -> np.ndarray:
        """One video's frame scores after the configured expansion and smoothing."""
        if self.snippet_to_frame is None:
            frames = _np(scores).astype(np.float64).ravel()
            if frames.size != num_frames:
                raise ValueError(f'{self.score_key} has {frames.size} values but the video '
                                 f'has {num_frames} frame labels; set snippet_to_frame to '
                                 "'ratio' or 'repeat' for snippet scores")
        else:
            frames = snippet_to_frames(scores, num_frames, self.snippet_to_frame, self.repeat)
        if self.smooth_segments:
            frames = segment_smooth(frames, self.smooth_segments)
        return frames

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for s in data_samples:
            gt = _np(self._field(s, 'gt_frame_label')).ravel() > 0
            frames = self.video_frame_scores(self._field(s, self.score_key), gt.size)
            abnormal = bool(int(_np(s['gt_label']).ravel()[0])) if 'gt_label' in s \
                else bool(gt.any())
            self.results.append((gt, frames, abnormal))

    def compute_metrics(self, results: list) -> dict:
        gt = np.concatenate([r[0] for r in results])
        scores = np.concatenate([r[1] for r in results])
        sub = np.concatenate([np.full(r[0].size, r[2]) for r in results])
        fns = {'AUC': lambda g, s: frame_auc(g, s),
               'AP': lambda g, s: frame_ap(g, s),
               'AP_sklearn': lambda g, s: frame_ap(g, s, 'sklearn')}
        out = {}
        for key in self.metrics:
            if key.endswith('_sub'):
                out[key] = fns[key[:-4]](gt[sub], scores[sub])
            else:
                out[key] = fns[key](gt, scores)
        return out
