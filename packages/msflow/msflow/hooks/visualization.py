"""Anomaly heat maps over the test images, written as PNGs when testing with ``--show-dir``."""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from mmengine.hooks import Hook
from PIL import Image

from ..registry import HOOKS


def _jet(x: np.ndarray) -> np.ndarray:
    """A jet-like colour map for values in [0, 1] -> (H, W, 3) uint8."""
    r = np.clip(1.5 - np.abs(4 * x - 3), 0, 1)
    g = np.clip(1.5 - np.abs(4 * x - 2), 0, 1)
    b = np.clip(1.5 - np.abs(4 * x - 1), 0, 1)
    return (np.stack([r, g, b], -1) * 255).astype(np.uint8)


def render_anomaly_panel(image: np.ndarray, amap: np.ndarray, mask: np.ndarray | None,
                         vmin: float, vmax: float, alpha: float = 0.5) -> np.ndarray:
    """[image | heat map over image | ground-truth mask] side by side, (H, 3W, 3) uint8."""
    norm = np.clip((amap - vmin) / max(vmax - vmin, 1e-12), 0, 1)
    overlay = ((1 - alpha) * image + alpha * _jet(norm)).astype(np.uint8)
    gt = np.zeros_like(image) if mask is None else np.repeat(
        (mask > 0).astype(np.uint8)[..., None] * 255, 3, axis=-1)
    return np.concatenate([image, overlay, gt], axis=1)


@HOOKS.register_module()
class AnomalyMapVisualizationHook(Hook):
    """Save heat maps of ``map_key`` during test (same switches as mmseg's
    ``SegVisualizationHook``: ``tools/test.py --show-dir X`` sets ``draw=True`` and
    ``test_out_dir=X``, a path relative to ``<work_dir>/<timestamp>/``).

    Each test image gives ``<test_out_dir>/<defect_type>/<image stem>.png`` showing the image,
    the heat map over it (scaled per image to its min/max) and the ground-truth mask.
    """

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 map_key: str = 'anomaly_map', alpha: float = 0.5):
        self.draw = draw
        self.test_out_dir = test_out_dir
        self.interval = interval
        self.map_key = map_key
        self.alpha = alpha

    def before_test(self, runner) -> None:
        if self.draw and self.test_out_dir is not None:
            self._out_dir = osp.join(runner.work_dir, runner.timestamp, self.test_out_dir)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self.draw or self.test_out_dir is None or batch_idx % self.interval:
            return
        for sample in outputs:
            amap = sample.get(self.map_key).numpy()
            path = sample.metainfo['img_path']
            size = (amap.shape[1], amap.shape[0])
            image = np.asarray(Image.open(path).convert('RGB').resize(size, Image.BILINEAR))
            mask = sample.get('gt_mask')
            panel = render_anomaly_panel(image, amap, None if mask is None else mask.numpy(),
                                         float(amap.min()), float(amap.max()), self.alpha)
            out = osp.join(self._out_dir, sample.metainfo.get('defect_type') or 'unknown',
                           osp.splitext(osp.basename(path))[0] + '.png')
            os.makedirs(osp.dirname(out), exist_ok=True)
            Image.fromarray(panel).save(out)
