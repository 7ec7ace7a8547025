"""Mask overlays per frame: :func:`draw_sample` (used by the hook and by ``tools/infer.py``)
and :class:`VOSMaskVisualizationHook` (``tools/test.py --show-dir``)."""
from __future__ import annotations

import os.path as osp

import mmcv
import numpy as np
from cvshared.hooks import visualization_dir
from cvshared.metrics.davis import seg2bmap
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

PRED_BGR = (0, 0, 255)  # predicted object: red
GT_BGR = (0, 255, 0)  # ground-truth boundary: green


def draw_sample(frame_bgr: np.ndarray, pred: np.ndarray, gt: np.ndarray | None = None,
                flow_bgr: np.ndarray | None = None, alpha: float = 0.5) -> np.ndarray:
    """The frame with the predicted mask blended in red and, when given, the ground-truth
    boundary in green; with ``flow_bgr`` the flow picture is added on the right.

    Args:
        frame_bgr: ``H x W x 3`` uint8 frame (BGR, as read by mmcv / cv2).
        pred: ``H x W`` predicted object mask (bool, or labels with > 0 = object).
        gt: optional ``H x W`` ground-truth mask (> 0 = object).
        flow_bgr: optional ``H x W x 3`` flow image of the frame.
        alpha: opacity of the predicted mask.

    Returns:
        ``H x W x 3`` (or ``H x 2W x 3`` with the flow) uint8 BGR picture.
    """
    pred = np.asarray(pred) > 0
    if pred.shape != frame_bgr.shape[:2]:
        raise ValueError(f'prediction is {pred.shape} but the frame is {frame_bgr.shape[:2]}')
    out = frame_bgr.astype(np.float32)
    out[pred] = (1 - alpha) * out[pred] + alpha * np.array(PRED_BGR, np.float32)
    if gt is not None:
        out[seg2bmap(np.asarray(gt) > 0)] = GT_BGR
    out = out.clip(0, 255).astype(np.uint8)
    if flow_bgr is not None:
        out = np.concatenate([out, flow_bgr.astype(np.uint8)], axis=1)
    return out


@HOOKS.register_module()
class VOSMaskVisualizationHook(Hook):
    """Write ``<test_out_dir>/<sequence>/<frame>.png`` with :func:`draw_sample` (prediction in
    red, ground-truth boundary in green when annotated).

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
        return visualization_dir(runner, self.test_out_dir)

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or not outputs or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        for sample in outputs:
            img = mmcv.imread(sample.img_path)
            pred = sample.pred_sem_seg.data[0].cpu().numpy()
            gt = (sample.gt_sem_seg.data[0].cpu().numpy() == 1) if 'gt_sem_seg' in sample \
                else None
            seq = sample.metainfo.get('seq_name', 'frames')
            stem = osp.splitext(osp.basename(sample.img_path))[0]
            mmcv.imwrite(draw_sample(img, pred, gt, alpha=self.alpha),
                         osp.join(self._out_dir(runner), seq, f'{stem}.png'))
