"""Anomaly pictures: ``draw_sample`` (pure) and the test-time hook that calls it (``--show-dir``).

A picture is, left to right: the image | the anomaly map over the image, coloured on a FIXED
range ``[vmin, vmax]`` | its colour bar | the predicted mask (map >= pixel threshold) | the
ground-truth mask; below, a caption with the image score, the image threshold and the decision.
The hook colours every test image on the range of the WHOLE test set (it collects the maps and
draws at the end of the test), so a good image stays blue where a defective one turns red; a
per-image range (what the first version did) would stretch every map to full red.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from cvshared.hooks import visualization_dir
from mmengine.hooks import Hook
from PIL import Image, ImageDraw

from ..registry import HOOKS

CAPTION_HEIGHT = 14
BAR_WIDTH = 10


def _jet(x: np.ndarray) -> np.ndarray:
    """A jet-like colour map for values in [0, 1] -> (..., 3) uint8 (0 blue, 1 red)."""
    r = np.clip(1.5 - np.abs(4 * x - 3), 0, 1)
    g = np.clip(1.5 - np.abs(4 * x - 2), 0, 1)
    b = np.clip(1.5 - np.abs(4 * x - 1), 0, 1)
    return (np.stack([r, g, b], -1) * 255).astype(np.uint8)


def _binary(mask: np.ndarray | None, shape) -> np.ndarray:
    if mask is None:
        return np.zeros((*shape, 3), np.uint8)
    return np.repeat((np.asarray(mask) > 0).astype(np.uint8)[..., None] * 255, 3, axis=-1)


def best_f1_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold (predict ``score >= t``) that maximises F1 (anomalib's adaptive
    threshold); NaN without positives."""
    labels = np.asarray(labels).astype(bool).ravel()
    scores = np.asarray(scores, np.float64).ravel()
    if not labels.any():
        return float('nan')
    order = np.argsort(-scores, kind='stable')
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(~y)
    last = np.r_[s[1:] != s[:-1], True]  # thresholds between distinct scores only
    f1 = 2 * tp / (tp + fp + labels.sum())
    f1[~last] = -1
    return float(s[int(np.argmax(f1))])


def draw_sample(image: np.ndarray, amap: np.ndarray, score: float | None = None,
                threshold: float | None = None, mask: np.ndarray | None = None,
                vmin: float | None = None, vmax: float | None = None,
                pixel_threshold: float | None = None, alpha: float = 0.5) -> np.ndarray:
    """One picture (uint8, H + caption rows, 4 W + bar columns, RGB).

    Args:
        image: (H, W, 3) uint8 RGB at the map's size.
        amap: (H, W) anomaly map (higher = more anomalous).
        score, threshold: the image score and the image threshold (caption; decision
            ``score >= threshold``, the rule of :func:`best_f1_threshold`); either may be None.
        mask: (H, W) ground-truth mask, or None (black panel).
        vmin, vmax: colour range of the map. Give the range of the whole test set (the hook
            does); None uses this map's own min / max (stretches every map to full range).
        pixel_threshold: predicted mask = ``amap >= pixel_threshold``; None takes the middle of
            ``[vmin, vmax]``.
    """
    amap = np.asarray(amap, np.float32)
    h, w = amap.shape
    lo = float(amap.min()) if vmin is None else float(vmin)
    hi = float(amap.max()) if vmax is None else float(vmax)
    norm = np.clip((amap - lo) / max(hi - lo, 1e-12), 0, 1)
    overlay = ((1 - alpha) * image + alpha * _jet(norm)).astype(np.uint8)
    bar = np.repeat(_jet(np.linspace(1, 0, h))[:, None], BAR_WIDTH, axis=1)
    pt = (lo + hi) / 2 if pixel_threshold is None else float(pixel_threshold)
    pred = _binary(amap >= pt, (h, w))
    pred[..., 1:] //= 3  # predicted mask in red, ground truth in white
    gt = _binary(mask, (h, w))
    top = np.concatenate([np.asarray(image, np.uint8), overlay, bar, pred, gt], axis=1)
    canvas = Image.new('RGB', (top.shape[1], h + CAPTION_HEIGHT), (0, 0, 0))
    canvas.paste(Image.fromarray(top), (0, 0))
    parts = []
    if score is not None:
        parts.append(f'score {score:.4g}')
    if threshold is not None and not np.isnan(threshold):
        parts.append(f'thr {threshold:.4g}')
        if score is not None:
            parts.append('ANOMALOUS' if score >= threshold else 'normal')
    parts.append(f'map [{lo:.3g}, {hi:.3g}]')
    ImageDraw.Draw(canvas).text((2, h + 1), '  '.join(parts), fill=(255, 255, 255))
    return np.asarray(canvas)


def render_anomaly_panel(image: np.ndarray, amap: np.ndarray, mask: np.ndarray | None,
                         vmin: float, vmax: float, alpha: float = 0.5) -> np.ndarray:
    """Backward-compatible name: ``draw_sample`` without score or threshold."""
    return draw_sample(image, amap, mask=mask, vmin=vmin, vmax=vmax, alpha=alpha)


@HOOKS.register_module()
class AnomalyMapVisualizationHook(Hook):
    """Save pictures of ``map_key`` at the end of the test (same switches as mmseg's
    ``SegVisualizationHook``: ``tools/test.py --show-dir X`` sets ``draw=True`` and
    ``test_out_dir=X``, a path under ``<work_dir>/<timestamp>/``).

    Each test image gives ``<test_out_dir>/<defect_type>/<image stem>.png`` (see
    :func:`draw_sample`). The colour range is the min / max of the maps over the whole test
    set; the image threshold is ``image_threshold`` or, when None, the F1-optimal threshold of
    the test set's image scores (anomalib's adaptive threshold); likewise ``pixel_threshold``
    over the test set's pixels (sub-sampled to ``max_pixels`` for speed).
    """

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 map_key: str = 'anomaly_map', score_key: str = 'pred_score',
                 alpha: float = 0.5, image_threshold: float | None = None,
                 pixel_threshold: float | None = None, max_pixels: int = 2_000_000):
        self.draw = draw
        self.test_out_dir = test_out_dir
        self.interval = interval
        self.map_key = map_key
        self.score_key = score_key
        self.alpha = alpha
        self.image_threshold = image_threshold
        self.pixel_threshold = pixel_threshold
        self.max_pixels = max_pixels
        self._items: list = []

    def _active(self) -> bool:
        return bool(self.draw and self.test_out_dir is not None)

    def before_test(self, runner) -> None:
        self._items = []
        if self._active():
            self._out_dir = visualization_dir(runner, self.test_out_dir)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self._active() or batch_idx % self.interval:
            return
        for sample in outputs:
            mask = sample.get('gt_mask')
            score = sample.get(self.score_key)
            label = sample.get('gt_label')
            self._items.append(dict(
                amap=sample.get(self.map_key).numpy().astype(np.float32),
                mask=None if mask is None else mask.numpy().astype(bool),
                score=None if score is None else float(score),
                label=None if label is None else int(label),
                img_path=sample.metainfo['img_path'],
                defect_type=sample.metainfo.get('defect_type') or 'unknown'))

    def thresholds(self) -> tuple[float | None, float | None, float, float]:
        """(image threshold, pixel threshold, vmin, vmax) over the collected test set."""
        maps = [it['amap'] for it in self._items]
        vmin = float(min(m.min() for m in maps))
        vmax = float(max(m.max() for m in maps))
        image_thr = self.image_threshold
        scored = [it for it in self._items if it['score'] is not None
                  and it['label'] is not None]
        if image_thr is None and scored:
            image_thr = best_f1_threshold([it['label'] for it in scored],
                                          [it['score'] for it in scored])
        pixel_thr = self.pixel_threshold
        masked = [it for it in self._items if it['mask'] is not None]
        if pixel_thr is None and masked:
            flat = np.concatenate([it['amap'].ravel() for it in masked])
            gt = np.concatenate([it['mask'].ravel() for it in masked])
            if flat.size > self.max_pixels:
                idx = np.random.default_rng(0).choice(flat.size, self.max_pixels, replace=False)
                flat, gt = flat[idx], gt[idx]
            pixel_thr = best_f1_threshold(gt, flat)
            if np.isnan(pixel_thr):
                pixel_thr = None
        return image_thr, pixel_thr, vmin, vmax

    def after_test_epoch(self, runner, metrics=None) -> None:
        if not self._active() or not self._items:
            return
        image_thr, pixel_thr, vmin, vmax = self.thresholds()
        for it in self._items:
            h, w = it['amap'].shape
            image = np.asarray(Image.open(it['img_path']).convert('RGB').resize(
                (w, h), Image.BILINEAR))
            picture = draw_sample(image, it['amap'], score=it['score'], threshold=image_thr,
                                  mask=it['mask'], vmin=vmin, vmax=vmax,
                                  pixel_threshold=pixel_thr, alpha=self.alpha)
            out = osp.join(self._out_dir, it['defect_type'],
                           osp.splitext(osp.basename(it['img_path']))[0] + '.png')
            os.makedirs(osp.dirname(out), exist_ok=True)
            Image.fromarray(picture).save(out)
        self._items = []
