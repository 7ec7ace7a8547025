"""Mask overlays per frame, saved during test (``tools/test.py --show-dir``)."""
from __future__ import annotations

import os.path as osp

import mmcv
import numpy as np
from cvshared.metrics.davis import seg2bmap
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class VOSMaskOverlayHook(Hook):
    """Write ``<test_out_dir>/<sequence>/<frame>.png``: the frame with the predicted mask
    blended in red and the ground-truth boundary in green (when annotated).

    Args:
        draw: draw at all (``tools/test.py --show-dir`` switches it on).
        test_out_dir: output folder; relative paths are under ``work_dir/<timestamp>``.
        interval: draw every n-th test batch.
        alpha: opacity of the predicted mask.
    """

    priority = 'NORMAL'

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 alpha: float = 0.5):
        self.draw = draw
        self.test_out_dir = test_out_dir
        self.interval = interval
        self.alpha = alpha

    def _out_dir(self, runner) -> str:
        out = self.test_out_dir or 'vis'
        return out if osp.isabs(out) else osp.join(runner.work_dir, runner.timestamp, out)

    @staticmethod
    def overlay(img_bgr: np.ndarray, pred: np.ndarray, gt: np.ndarray | None,
                alpha: float = 0.5) -> np.ndarray:
        out = img_bgr.astype(np.float32)
        red = np.array([0, 0, 255], np.float32)
        out[pred] = (1 - alpha) * out[pred] + alpha * red
        if gt is not None:
            out[seg2bmap(gt)] = (0, 255, 0)
        return out.clip(0, 255).astype(np.uint8)

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or not outputs or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        for sample in outputs:
            img = mmcv.imread(sample.img_path)
            pred = sample.pred_sem_seg.data[0].cpu().numpy() > 0
            gt = (sample.gt_sem_seg.data[0].cpu().numpy() == 1) if 'gt_sem_seg' in sample \
                else None
            seq = sample.metainfo.get('seq_name', 'frames')
            stem = osp.splitext(osp.basename(sample.img_path))[0]
            mmcv.imwrite(self.overlay(img, pred, gt, self.alpha),
                         osp.join(self._out_dir(runner), seq, f'{stem}.png'))
