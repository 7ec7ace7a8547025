"""Mask and contour overlays per frame: :func:`draw_sample` (used by the hook and by
``tools/infer.py``) and :class:`HCPNVisualizationHook` (``tools/test.py --show-dir``)."""
from __future__ import annotations

import os.path as osp

import mmcv
import numpy as np
from cvshared.hooks import visualization_dir
from cvshared.metrics.davis import seg2bmap
from mmengine.hooks import Hook

from ..registry import HOOKS

PRED_BGR = (0, 0, 255)  # predicted object: red
CONTOUR_BGR = (0, 255, 255)  # predicted contour map (> 0.5): yellow
GT_BGR = (0, 255, 0)  # ground-truth boundary: green


def draw_sample(frame_bgr: np.ndarray, pred: np.ndarray, contour: np.ndarray | None = None,
                gt: np.ndarray | None = None, alpha: float = 0.5,
                contour_threshold: float = 0.5) -> np.ndarray:
    """The frame with the predicted mask blended in red, the predicted contour map
    (``contour > contour_threshold``) in yellow and the ground-truth boundary in green.

    Args:
        frame_bgr: ``H x W x 3`` uint8 frame (BGR, as mmcv reads it).
        pred: ``H x W`` predicted mask (bool, or > 0 = object).
        contour: optional ``H x W`` contour probability map (HCPN's ``c_1``).
        gt: optional ``H x W`` ground-truth mask (> 0 = object).
        alpha: opacity of the predicted mask.

    Returns:
        ``H x W x 3`` uint8 BGR picture (the input is not modified).
    """
    pred = np.asarray(pred) > 0
    shape = frame_bgr.shape[:2]
    for name, array in (('prediction', pred), ('contour', contour), ('ground truth', gt)):
        if array is not None and np.asarray(array).shape != shape:
            raise ValueError(f'draw_sample: the {name} is {np.asarray(array).shape} but the '
                             f'frame is {shape}')
    out = frame_bgr.astype(np.float32)
    out[pred] = (1 - alpha) * out[pred] + alpha * np.array(PRED_BGR, np.float32)
    if contour is not None:
        out[np.asarray(contour) > contour_threshold] = CONTOUR_BGR
    if gt is not None:
        out[seg2bmap(np.asarray(gt) > 0)] = GT_BGR
    return out.clip(0, 255).astype(np.uint8)


@HOOKS.register_module()
class HCPNVisualizationHook(Hook):
    """Write ``<test_out_dir>/<sequence>/<frame>.png`` with :func:`draw_sample` (mask in red,
    contour map in yellow, ground-truth boundary in green when annotated), on the frame the
    sample predicts (``eval_frame_name``; frame k + 1 when ``pair_index`` is 1).

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

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or not outputs or not self.every_n_inner_iters(batch_idx, self.interval):
            return
        for sample in outputs:
            # the frame the prediction is of: frame k, or frame k+1 for the last frame of a
            # video (pair_index 1, m2 of the last pair), saved under its own name
            second = sample.metainfo.get('pair_index', 0) == 1
            path = sample.img2_path if second else sample.img_path
            img = mmcv.imread(path)
            pred = sample.pred_sem_seg.data[0].cpu().numpy()
            contour = (sample.pred_contour.data[0].cpu().numpy() if 'pred_contour' in sample
                       else None)
            gt = (sample.gt_sem_seg.data[0].cpu().numpy() == 1) if 'gt_sem_seg' in sample \
                else None
            seq = sample.metainfo.get('seq_name', 'frames')
            stem = sample.metainfo.get('eval_frame_name') or osp.splitext(osp.basename(path))[0]
            mmcv.imwrite(draw_sample(img, pred, contour, gt, alpha=self.alpha),
                         osp.join(visualization_dir(runner, self.test_out_dir), seq,
                                  f'{stem}.png'))
