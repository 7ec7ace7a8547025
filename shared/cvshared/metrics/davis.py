"""DAVIS region (J) and boundary (F) measures, with mean / recall / decay.

Definitions (Perazzi et al., CVPR 2016; the DAVIS evaluation code, davis2017-evaluation
``davis2017/metrics.py`` + ``utils.db_statistics`` and the DAVIS-2016 toolbox):

* J = |M ∩ G| / |M ∪ G|, and 1 when both masks are empty.
* F: boundaries are extracted with the 1-pixel ``seg2bmap`` rule (a pixel is on the boundary
  when it differs from its right, lower or lower-right neighbour); a boundary pixel of one
  mask is matched when a boundary pixel of the other lies within a disk of radius
  ``ceil(bound_th * ||(H, W)||)`` (``bound_th = 0.008``). Precision / recall are the matched
  fractions (P = 1, R = 0 when the prediction has no boundary but the ground truth has; the
  reverse gives P = 0, R = 1; both empty gives 1, 1) and F = 2PR / (P + R) (0 if P + R = 0).
* Per sequence: mean = average over frames, recall = fraction of frames with a score > 0.5,
  decay = mean of the first quarter minus the mean of the last quarter of the frames
  (4 bins with the ``round(linspace(1, n, 5))`` edges of the DAVIS code).
* Overall: each statistic averaged over sequences; J&F-Mean = (J-Mean + F-Mean) / 2.

DAVIS-2016 evaluation (Matlab toolbox, PyDavis16EvalToolbox, which HFAN's README points to)
leaves out the first and the last frame of every sequence: ``ignore_first_last=True``.

DAVIS-2017 unsupervised (davis2017-evaluation ``DAVISEvaluation(task='unsupervised')``):
:class:`DAVIS17UnsupervisedMetric` matches a sequence's proposals (the predicted label ids) to
its objects (the annotated ids) by the Hungarian method on mean (J + F) / 2 over all frames,
with void pixels (255) left out, and averages the statistics over every object of every
sequence (no frame dropped).
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import cv2
import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmengine.registry import METRICS
from scipy.optimize import linear_sum_assignment

__all__ = ['db_eval_iou', 'seg2bmap', 'db_eval_boundary', 'db_statistics', 'DAVISJFMetric',
           'DAVIS17UnsupervisedMetric', 'match_proposals', 'summarize_sequences',
           'constant_mask_baselines']


def db_eval_iou(gt: np.ndarray, pred: np.ndarray, void: np.ndarray | None = None) -> float:
    """Region similarity J of two binary masks (1 when both are empty); the ``void`` pixels
    (DAVIS-2017's label 255), if given, count in neither the intersection nor the union."""
    gt, pred = gt.astype(bool), pred.astype(bool)
    if gt.shape != pred.shape:
        raise ValueError(f'mask shapes differ: ground truth {gt.shape}, prediction {pred.shape}')
    if void is not None:
        keep = ~void.astype(bool)
        gt, pred = gt & keep, pred & keep
    union = np.logical_or(gt, pred).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(gt, pred).sum() / union)


def seg2bmap(seg: np.ndarray) -> np.ndarray:
    """1-pixel boundary map of a binary mask (the DAVIS / Berkeley ``seg2bmap`` rule)."""
    seg = seg.astype(bool)
    east = np.zeros_like(seg)
    south = np.zeros_like(seg)
    south_east = np.zeros_like(seg)
    east[:, :-1] = seg[:, 1:]
    south[:-1, :] = seg[1:, :]
    south_east[:-1, :-1] = seg[1:, 1:]
    b = (seg ^ east) | (seg ^ south) | (seg ^ south_east)
    b[-1, :] = seg[-1, :] ^ east[-1, :]
    b[:, -1] = seg[:, -1] ^ south[:, -1]
    b[-1, -1] = False
    return b


def _disk(radius: int) -> np.ndarray:
    """Structuring element {(y, x): y^2 + x^2 <= r^2} (skimage's ``disk``)."""
    r = int(radius)
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return (yy ** 2 + xx ** 2 <= r ** 2).astype(np.uint8)


def db_eval_boundary(gt: np.ndarray, pred: np.ndarray, bound_th: float = 0.008,
                     void: np.ndarray | None = None) -> float:
    """Boundary F-measure of a predicted binary mask against the ground truth; both masks lose
    their ``void`` pixels, if given, before their boundaries are taken (davis2017-evaluation)."""
    if gt.shape != pred.shape:
        raise ValueError(f'mask shapes differ: ground truth {gt.shape}, prediction {pred.shape}')
    if void is not None:
        keep = ~void.astype(bool)
        gt, pred = gt.astype(bool) & keep, pred.astype(bool) & keep
    bound_pix = bound_th if bound_th >= 1 else math.ceil(bound_th * np.linalg.norm(gt.shape))
    pred_b, gt_b = seg2bmap(pred), seg2bmap(gt)
    disk = _disk(bound_pix)
    pred_dil = cv2.dilate(pred_b.astype(np.uint8), disk).astype(bool)
    gt_dil = cv2.dilate(gt_b.astype(np.uint8), disk).astype(bool)
    n_pred, n_gt = int(pred_b.sum()), int(gt_b.sum())
    if n_pred == 0 and n_gt == 0:
        precision, recall = 1.0, 1.0
    elif n_pred == 0:
        precision, recall = 1.0, 0.0
    elif n_gt == 0:
        precision, recall = 0.0, 1.0
    else:
        precision = float((pred_b & gt_dil).sum() / n_pred)
        recall = float((gt_b & pred_dil).sum() / n_gt)
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def db_statistics(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, recall, decay) of the per-frame scores of one sequence (DAVIS definition).

    Unlike the official code, the bin edges are not cast to ``uint8`` (which wraps around for
    sequences longer than 255 frames); for shorter sequences the result is identical.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        raise ValueError('db_statistics needs at least one frame score')
    mean = float(np.nanmean(values))
    recall = float(np.nanmean(values > 0.5))
    ids = (np.round(np.linspace(1, len(values), 5) + 1e-10) - 1).astype(int)
    bins = [values[ids[i]:ids[i + 1] + 1] for i in range(4)]
    decay = float(np.nanmean(bins[0]) - np.nanmean(bins[3]))
    return mean, recall, decay


def summarize_sequences(per_frame: dict[str, list[tuple[int, float, float]]],
                        ignore_first_last: bool = True, group_depth: int = 0):
    """Per-sequence and overall J / F statistics.

    Args:
        per_frame: ``{sequence: [(frame_index, J, F), ...]}`` in any order.
        ignore_first_last: drop the first and the last frame of each sequence (DAVIS-2016).
        group_depth: 0 averages over sequences; 1 first averages the sequences of each
            ``<category>/<video>`` category (YouTube-Objects reports per-category means).

    Returns:
        ``(overall, per_sequence)``: overall ``{'J&F-Mean', 'J-Mean', 'J-Recall', 'J-Decay',
        'F-Mean', 'F-Recall', 'F-Decay'}`` and ``{sequence: {...same keys...}}``.
    """
    per_seq = {}
    for seq, rows in sorted(per_frame.items()):
        rows = sorted(rows)
        indices = [r[0] for r in rows]
        if len(set(indices)) != len(indices):
            raise ValueError(f'sequence {seq!r} has duplicate frame indices')
        if ignore_first_last and len(rows) > 2:
            rows = rows[1:-1]
        stats = {}
        for name, col in (('J', 1), ('F', 2)):
            m, r, d = db_statistics([row[col] for row in rows])
            stats.update({f'{name}-Mean': m, f'{name}-Recall': r, f'{name}-Decay': d})
        stats['J&F-Mean'] = (stats['J-Mean'] + stats['F-Mean']) / 2
        per_seq[seq] = stats
    if not per_seq:
        raise ValueError('no frames to evaluate')
    groups = defaultdict(list)
    for seq, stats in per_seq.items():
        key = '/'.join(seq.split('/')[:group_depth]) if group_depth else seq
        groups[key].append(stats)
    keys = ['J-Mean', 'J-Recall', 'J-Decay', 'F-Mean', 'F-Recall', 'F-Decay']
    group_means = [{k: float(np.mean([s[k] for s in g])) for k in keys} for g in groups.values()]
    overall = {k: float(np.mean([g[k] for g in group_means])) for k in keys}
    overall = {'J&F-Mean': (overall['J-Mean'] + overall['F-Mean']) / 2, **overall}
    return overall, per_seq


def constant_mask_baselines(dataset, ignore_first_last: bool = True,
                            group_depth: int = 0) -> dict[str, float]:
    """J-Mean of predicting all foreground / all background on every evaluated frame of
    ``dataset`` (its ``get_data_info(i)`` gives ``seg_map_path``, ``seq_name`` and
    ``frame_index``, as the DAVIS-layout datasets do), summarised as :class:`DAVISJFMetric`
    does: the floor a learning test's J-Mean must clear.

    Returns ``{'all_foreground': J, 'all_background': J}``."""
    out = {}
    for name, const in (('all_foreground', True), ('all_background', False)):
        per_frame = defaultdict(list)
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            gt = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
            if gt is None:
                raise FileNotFoundError(f"cannot read the mask {info['seg_map_path']}")
            # a palette PNG (DAVIS-17) decodes to colours: any non-black pixel is an object
            gt = (gt.max(axis=-1) if gt.ndim == 3 else gt) > 0
            pred = np.full_like(gt, const)
            per_frame[info['seq_name']].append(
                (info['frame_index'], db_eval_iou(gt, pred), db_eval_boundary(gt, pred)))
        out[name] = summarize_sequences(per_frame, ignore_first_last, group_depth)[0]['J-Mean']
    return out


@METRICS.register_module()
class DAVISJFMetric(BaseMetric):
    """DAVIS J & F (mean, recall, decay) for binary VOS predictions, per sequence and overall.

    Every data sample must carry ``seq_name`` and ``frame_index`` in its metainfo (add them to
    ``PackSegInputs(meta_keys=...)``); the foreground is every predicted / annotated label > 0.
    Results are fractions (0..1) under the keys ``davis/J&F-Mean``, ``davis/J-Mean``, ...

    Args:
        bound_th: boundary tolerance as a fraction of the image diagonal (DAVIS: 0.008).
        ignore_first_last: drop each sequence's first and last frame (DAVIS-2016 protocol).
        group_depth: 1 to average per ``<category>/`` first (YouTube-Objects), else 0.
    """

    default_prefix = 'davis'

    def __init__(self, bound_th: float = 0.008, ignore_first_last: bool = True,
                 group_depth: int = 0, collect_device: str = 'cpu', prefix: str | None = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.bound_th = bound_th
        self.ignore_first_last = ignore_first_last
        self.group_depth = group_depth
        self.per_sequence: dict = {}

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'seq_name' not in sample or 'frame_index' not in sample:
                raise KeyError(
                    'DAVISJFMetric needs seq_name and frame_index in each data sample: add them '
                    "to PackSegInputs(meta_keys=(..., 'seq_name', 'frame_index'))")
            if sample.get('annotated', True) is False and 'gt_sem_seg' not in sample:
                continue    # frame-pair test sets listing every frame (annotated_only=False):
                #             predicted, to be written, but without a mask to score it
            if 'gt_sem_seg' not in sample:
                raise KeyError(
                    f"frame {sample.get('img_path', '?')} has no gt_sem_seg: load its mask "
                    "(LoadBinaryMask / LoadEvalFrameMask) or mark it annotated=False")
            pred = sample['pred_sem_seg']['data'].squeeze(0).cpu().numpy() > 0
            gt = sample['gt_sem_seg']['data'].squeeze(0).cpu().numpy()
            gt = (gt > 0) & (gt != 255)
            if gt.shape != pred.shape:
                raise ValueError(
                    f"prediction for frame {sample.get('img_path', '?')} is {pred.shape} but its "
                    f"mask {sample.get('seg_map_path', '?')} is {gt.shape}: predictions are "
                    'compared at the original frame size (keep ori_shape in the meta_keys, and '
                    'masks of the size of their frames)')
            self.results.append((sample['seq_name'], int(sample['frame_index']),
                                 db_eval_iou(gt, pred), db_eval_boundary(gt, pred, self.bound_th)))

    def compute_metrics(self, results: list) -> dict:
        per_frame = defaultdict(list)
        for seq, index, j, f in results:
            per_frame[seq].append((index, j, f))
        overall, self.per_sequence = summarize_sequences(per_frame, self.ignore_first_last,
                                                         self.group_depth)
        logger = MMLogger.get_current_instance()
        lines = ['sequence                       J-Mean  F-Mean']
        lines += [f'{seq:<30} {s["J-Mean"]:.3f}   {s["F-Mean"]:.3f}'
                  for seq, s in self.per_sequence.items()]
        logger.info('DAVIS per-sequence results:\n' + '\n'.join(lines))
        return overall


def _frame_pair_scores(gt_ids: np.ndarray, pred_ids: np.ndarray, bound_th: float) -> dict:
    """(J, F) of one frame for every (proposal, object) pair present in it; id 0 on either
    side stands for "absent from this frame" (an empty mask). Void = ground-truth label 255."""
    void = gt_ids == 255
    objects = [int(o) for o in np.unique(gt_ids) if o not in (0, 255)]
    proposals = [int(p) for p in np.unique(pred_ids) if p != 0]
    gt_masks = {o: gt_ids == o for o in objects}

    def against_empty(mask):
        # J and F of a mask against an empty one, without the dilation: J = F = 1 if nothing
        # of the mask is left outside the void (no pixel / no boundary), else 0
        kept = mask & ~void
        return float(not kept.any()), float(not seg2bmap(kept).any())

    scores = {}
    for o, g in gt_masks.items():
        scores[(0, o)] = against_empty(g)
    for p in proposals:
        m = pred_ids == p
        scores[(p, 0)] = against_empty(m)
        for o, g in gt_masks.items():
            scores[(p, o)] = (db_eval_iou(g, m, void), db_eval_boundary(g, m, bound_th, void))
    return scores


def match_proposals(frames: list[dict], num_objects: int, num_proposals: int):
    """Match proposals to objects over one sequence (davis2017-evaluation
    ``_evaluate_unsupervised``).

    Args:
        frames: per frame, the ``{(proposal, object): (J, F)}`` table of
            :func:`_frame_pair_scores` (id 0 = absent from that frame).
        num_objects: objects 1..N of the sequence (the official code takes N from the first
            annotated frame's largest id; ids above N are not objects).
        num_proposals: proposals 1..P (the largest predicted id over the sequence; ids
            that never occur are empty proposals). Fewer proposals than objects are padded
            with empty ones, as the official code does.

    Returns:
        ``(J, F, matched)``: ``J`` / ``F`` arrays ``num_objects x frames`` of each object's
        matched proposal, and ``matched[o - 1]`` its proposal id (0 for an empty pad).
    """
    rows = max(num_proposals, num_objects)
    j = np.empty((rows, num_objects, len(frames)))
    f = np.empty_like(j)
    for t, table in enumerate(frames):
        for p in range(1, rows + 1):
            for o in range(1, num_objects + 1):
                key = (p if (p, 0) in table else 0, o if (0, o) in table else 0)
                j[p - 1, o - 1, t], f[p - 1, o - 1, t] = table.get(key, (1.0, 1.0))
    score = (j.mean(axis=2) + f.mean(axis=2)) / 2
    prop_idx, obj_idx = linear_sum_assignment(-score)
    order = np.argsort(obj_idx)
    prop_idx, obj_idx = prop_idx[order], obj_idx[order]
    matched = [int(p) + 1 if p < num_proposals else 0 for p in prop_idx]
    return j[prop_idx, obj_idx], f[prop_idx, obj_idx], matched


@METRICS.register_module()
class DAVIS17UnsupervisedMetric(BaseMetric):
    """The DAVIS-2017 unsupervised J & F (davis2017-evaluation, ``task='unsupervised'``).

    Each predicted label id > 0 of a sequence is one proposal (a binary model's foreground is
    a single proposal, which is what the official evaluator scores when given its masks); each
    annotated id 1..N is one object, N being the largest id of the sequence's first annotated
    frame; label 255 is void. Per sequence, proposals are matched one-to-one to objects by the
    Hungarian method on the mean over frames of (J + F) / 2; an object left without a
    proposal scores an empty mask. Mean / recall / decay are taken per object over all its
    frames (none dropped) and averaged over every object of every sequence; J&F-Mean =
    (J-Mean + F-Mean) / 2. Results are fractions under ``davis17/...``.

    Differences from the official code, none changing the global figures: its per-object
    names follow the matched proposals' order rather than the objects' (``per_object`` here
    is keyed by object); its decay bins are cast to uint8 (wrong beyond 255 frames, see
    :func:`db_statistics`).

    Args:
        bound_th: boundary tolerance (fraction of the image diagonal).
        max_proposals: the official limit (20); more proposal ids in a sequence is an error.
    """

    default_prefix = 'davis17'

    def __init__(self, bound_th: float = 0.008, max_proposals: int = 20,
                 collect_device: str = 'cpu', prefix: str | None = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.bound_th = bound_th
        self.max_proposals = max_proposals
        self.per_object: dict = {}

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'seq_name' not in sample or 'frame_index' not in sample:
                raise KeyError(
                    'DAVIS17UnsupervisedMetric needs seq_name and frame_index in each data '
                    "sample: add them to PackSegInputs(meta_keys=(..., 'seq_name', "
                    "'frame_index'))")
            if sample.get('annotated', True) is False and 'gt_sem_seg' not in sample:
                continue
            if 'gt_sem_seg' not in sample:
                raise KeyError(
                    f"frame {sample.get('img_path', '?')} has no gt_sem_seg: load its instance "
                    'ids with LoadEvalFrameMask(binary=False)')
            pred = sample['pred_sem_seg']['data'].squeeze(0).cpu().numpy().astype(np.int64)
            gt = sample['gt_sem_seg']['data'].squeeze(0).cpu().numpy().astype(np.int64)
            if gt.shape != pred.shape:
                raise ValueError(
                    f"prediction for frame {sample.get('img_path', '?')} is {pred.shape} but its "
                    f"mask {sample.get('seg_map_path', '?')} is {gt.shape}: predictions are "
                    'compared at the original frame size')
            if pred.min() < 0:
                raise ValueError(f"prediction for frame {sample.get('img_path', '?')} has "
                                 'negative labels; proposals are ids > 0, background 0')
            objects = gt[gt != 255]
            self.results.append((sample['seq_name'], int(sample['frame_index']),
                                 int(objects.max()) if objects.size else 0, int(pred.max()),
                                 _frame_pair_scores(gt, pred, self.bound_th)))

    def compute_metrics(self, results: list) -> dict:
        by_seq = defaultdict(list)
        for seq, index, max_gt, max_pred, table in results:
            by_seq[seq].append((index, max_gt, max_pred, table))
        stats = defaultdict(list)
        self.per_object = {}
        for seq, rows in sorted(by_seq.items()):
            rows.sort(key=lambda r: r[0])
            indices = [r[0] for r in rows]
            if len(set(indices)) != len(indices):
                raise ValueError(f'sequence {seq!r} has duplicate frame indices')
            num_objects, num_proposals = rows[0][1], max(r[2] for r in rows)
            if num_objects == 0:
                raise ValueError(
                    f'sequence {seq!r}: its first annotated frame ({indices[0]}) has no object, '
                    'so the DAVIS-2017 evaluation would count none (it takes the objects from '
                    'the first frame)')
            if num_proposals > self.max_proposals:
                raise ValueError(
                    f'sequence {seq!r} has proposal id {num_proposals}, more than the '
                    f'{self.max_proposals} the DAVIS-2017 unsupervised evaluation allows')
            j, f, matched = match_proposals([r[3] for r in rows], num_objects, num_proposals)
            for o in range(num_objects):
                jm, jr, jd = db_statistics(j[o])
                fm, fr, fd = db_statistics(f[o])
                for key, v in zip(('J-Mean', 'J-Recall', 'J-Decay', 'F-Mean', 'F-Recall',
                                   'F-Decay'), (jm, jr, jd, fm, fr, fd)):
                    stats[key].append(v)
                self.per_object[f'{seq}_{o + 1}'] = dict(
                    proposal=matched[o], **{'J-Mean': jm, 'F-Mean': fm})
        overall = {k: float(np.mean(v)) for k, v in stats.items()}
        overall = {'J&F-Mean': (overall['J-Mean'] + overall['F-Mean']) / 2, **overall}
        lines = ['object                         proposal  J-Mean  F-Mean']
        lines += [f'{name:<30} {s["proposal"]:>8}  {s["J-Mean"]:.3f}   {s["F-Mean"]:.3f}'
                  for name, s in self.per_object.items()]
        MMLogger.get_current_instance().info(
            'DAVIS-2017 unsupervised per-object results:\n' + '\n'.join(lines))
        return overall
