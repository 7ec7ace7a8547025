"""Pictures of unsupervised semantic segmentation: image | cluster map | matched clusters
(| linear probe) | ground truth.

The cluster ids of an unsupervised model have no class meaning of their own; the matched panel
colours each cluster with the class the Hungarian matching over the **whole test set** gives it
(what the metric scores), so the hook draws at the end of the test epoch: it accumulates the
confusion of every test image and keeps the first ``max_samples`` images (``interval``-th
batches) for drawing. Colours: ``palette[k]`` opaque for class / cluster ``k``; ignore (255)
and unmatched clusters white. Panels are captioned as in :mod:`cvshared.wsss.draw`.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from PIL import Image

from ..hooks.visualization import visualization_dir
from ..metrics.unsupervised_seg import cluster_confusion, hungarian_assignment
from ..wsss.draw import IGNORE, _image, _np, _row

__all__ = ['useg_palette', 'colour_labels', 'draw_useg', 'USegVisualizationHook']


def useg_palette(n: int, seed: int = 2023) -> np.ndarray:
    """``[n, 3]`` uint8 colours: fixed random, as STEGO's ``create_pascal_label_colormap`` is
    for 27 classes; the first eight are distinct primaries for small synthetic sets."""
    base = np.array([[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200],
                     [245, 130, 48], [145, 30, 180], [70, 240, 240], [240, 50, 230]], np.uint8)
    rng = np.random.default_rng(seed)
    extra = rng.integers(0, 230, size=(max(0, n - len(base)), 3)).astype(np.uint8)
    return np.concatenate([base, extra])[:n]


def colour_labels(label, palette, shape=None) -> np.ndarray:
    """``H x W x 3`` uint8: ``palette[label]``; 255 and negative ids white."""
    label = _np(label).astype(np.int64)
    if label.ndim == 3 and label.shape[0] == 1:
        label = label[0]
    if shape is not None and label.shape != tuple(shape)[:2]:
        raise ValueError(f'draw: the label map is {label.shape} (H x W) but the image is '
                         f'{tuple(shape)[:2]}')
    pal = np.asarray(palette, np.uint8).reshape(-1, 3)
    valid = (label >= 0) & (label != IGNORE)
    if valid.any() and label[valid].max() >= len(pal):
        raise ValueError(f'draw: ids must lie in 0..{len(pal) - 1} or be {IGNORE}, got '
                         f'up to {int(label[valid].max())}')
    out = np.full(label.shape + (3,), 255, np.uint8)
    out[valid] = pal[label[valid]]
    return out


def draw_useg(img, cluster, gt=None, assignment=None, linear=None, palette=None,
              num_classes: int | None = None, caption: bool = True) -> np.ndarray:
    """image | clusters | matched clusters (with ``assignment``) | linear | ground truth.

    Args:
        img: ``H x W x 3`` (or ``3 x H x W``) uint8 RGB.
        cluster: ``H x W`` cluster ids.
        gt: ``H x W`` class ids (255 ignore).
        assignment: ``[num_clusters]`` class of each cluster (-1 unmatched), e.g.
            :func:`cvshared.metrics.unsupervised_seg.hungarian_assignment` of the test set.
        linear: ``H x W`` linear-probe class ids.
        palette: ``[n, 3]`` colours (default :func:`useg_palette` of the largest id + 1).
    """
    img = _image(img)
    cluster = _np(cluster).astype(np.int64).reshape(img.shape[:2])
    if palette is None:
        n = num_classes or int(max(cluster.max(), len(assignment) if assignment is not None
                                   else 0)) + 1
        palette = useg_palette(max(n, 1))
    panels, captions = [img, colour_labels(cluster, palette, img.shape)], ['image', 'clusters']
    if assignment is not None:
        assignment = np.asarray(assignment, np.int64)
        if cluster.max() >= len(assignment):
            raise ValueError(f'draw: cluster id {int(cluster.max())} has no assignment '
                             f'({len(assignment)} clusters)')
        matched = assignment[cluster]
        panels.append(colour_labels(np.where(matched < 0, IGNORE, matched), palette, img.shape))
        captions.append('matched')
    if linear is not None:
        panels.append(colour_labels(linear, palette, img.shape))
        captions.append('linear probe')
    if gt is not None:
        panels.append(colour_labels(gt, palette, img.shape))
        captions.append('ground truth')
    return _row(panels, captions, caption)


@HOOKS.register_module()
class USegVisualizationHook(Hook):
    """Test-time pictures of :func:`draw_useg` (module docstring) to
    ``<work_dir>/<timestamp>/<test_out_dir>/<image id>.png`` (``tools/test.py --show-dir``).

    Args:
        draw: draw at all (``--show-dir`` turns it on).
        test_out_dir: output folder (relative: under the run's work dir).
        interval: keep every ``interval``-th test batch.
        max_samples: images drawn at most (every test image still counts for the matching).
        num_classes: classes of the benchmark (default: ``dataset_meta['classes']``).
        num_clusters: cluster-probe outputs (default ``num_classes``: no extra clusters, as
            every official config; the metric's argument of the same name).
    """

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 max_samples: int = 16, num_classes: int | None = None,
                 num_clusters: int | None = None):
        self.draw = draw
        self.test_out_dir = test_out_dir
        self.interval = interval
        self.max_samples = max_samples
        self.num_classes = num_classes
        self.num_clusters = num_clusters

    def before_test_epoch(self, runner) -> None:
        self._confusion = None
        self._kept = []

    def _classes(self, runner) -> int:
        if self.num_classes is not None:
            return self.num_classes
        meta = getattr(runner.test_dataloader.dataset, 'metainfo', {}) or {}
        if 'classes' not in meta:
            raise ValueError('USegVisualizationHook: set num_classes (the test set has no '
                             'classes in its metainfo)')
        return len(meta['classes'])

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or self.test_out_dir is None:
            return
        n = self._classes(runner)
        for i, s in enumerate(outputs):
            pred = _np(s.pred_sem_seg.data[0])
            gt = _np(s.gt_sem_seg.data[0]) if 'gt_sem_seg' in s else None
            if gt is None:
                raise ValueError('USegVisualizationHook: the test outputs have no gt_sem_seg '
                                 '(the matched panel needs the ground truth)')
            conf = cluster_confusion(pred, gt, n, self.num_clusters or n)
            self._confusion = conf if self._confusion is None else self._confusion + conf
            if batch_idx % self.interval or len(self._kept) >= self.max_samples:
                continue
            img = _image(data_batch['inputs'][i])    # H x W x 3 uint8
            linear = (_np(s.linear_pred_sem_seg.data[0]) if 'linear_pred_sem_seg' in s
                      else None)
            name = s.metainfo.get('img_id') or osp.splitext(
                osp.basename(s.metainfo.get('img_path', f'{batch_idx}_{i}')))[0]
            self._kept.append((str(name), img, pred, gt, linear))

    def after_test_epoch(self, runner, metrics=None) -> None:
        if not self.draw or self.test_out_dir is None or self._confusion is None:
            return
        n = self._confusion.shape[1]
        assignment = hungarian_assignment(self._confusion)
        palette = useg_palette(max(n, self._confusion.shape[0]))
        out_dir = visualization_dir(runner, self.test_out_dir)
        os.makedirs(out_dir, exist_ok=True)
        for name, img, pred, gt, linear in self._kept:
            if img.shape[:2] != pred.shape:    # predictions at the label size
                img = np.asarray(Image.fromarray(img).resize(pred.shape[::-1], Image.BILINEAR))
            picture = draw_useg(img, pred, gt, assignment, linear, palette)
            Image.fromarray(picture).save(osp.join(out_dir, name.replace('/', '_') + '.png'))
        runner.logger.info(f'USegVisualizationHook: {len(self._kept)} pictures in {out_dir}')
