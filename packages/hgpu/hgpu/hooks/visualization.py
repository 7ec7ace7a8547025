"""Mask overlays: the pure :func:`draw_sample` (used by the hook and by ``hgpu.infer``) and
:class:`HGPUVisualizationHook` (``tools/test.py --show-dir``)."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.hooks import SampleVisualizationHook
from cvshared.metrics.davis import seg2bmap
from PIL import Image

from ..registry import HOOKS

PRED_RGB = (255, 0, 0)  # predicted object: red
GT_RGB = (0, 255, 0)  # ground-truth boundary: green


def draw_sample(frame: np.ndarray, pred: np.ndarray, gt: np.ndarray | None = None,
                alpha: float = 0.5) -> np.ndarray:
    """The frame (``H x W x 3`` uint8 RGB) with the predicted mask (``H x W``, > 0 = object)
    blended in red and, when given, the ground-truth boundary in green."""
    pred = np.asarray(pred) > 0
    if pred.shape != frame.shape[:2]:
        raise ValueError(f'prediction is {pred.shape} but the frame is {frame.shape[:2]}')
    out = frame.astype(np.float32)
    out[pred] = (1 - alpha) * out[pred] + alpha * np.array(PRED_RGB, np.float32)
    if gt is not None:
        gt = np.asarray(gt) > 0
        if gt.shape != pred.shape:
            raise ValueError(f'ground truth is {gt.shape} but the prediction is {pred.shape}')
        out[seg2bmap(gt)] = GT_RGB
    return out.clip(0, 255).astype(np.uint8)


@HOOKS.register_module()
class HGPUVisualizationHook(SampleVisualizationHook):
    """Writes ``<sequence>_<frame>.png`` (:func:`draw_sample`) for every test frame to
    ``<work_dir>/<timestamp>/<test_out_dir>`` when ``draw``: the evaluated frame (frame k + 1
    of the last pair for a video's last frame, ``pair_index`` 1) with its prediction; a
    ``<category>/<video>`` sequence name (YouTube-Objects) becomes ``<category>_<video>``."""

    def draw_output(self, sample, batch_idx):
        from ..models.segmentor import eval_frame_path
        path = eval_frame_path(sample.metainfo)
        with Image.open(path) as im:
            frame = np.asarray(im.convert('RGB'))
        pred = sample.pred_sem_seg.data[0].cpu().numpy()
        gt = sample.gt_sem_seg.data[0].cpu().numpy() if 'gt_sem_seg' in sample else None
        seq = str(sample.metainfo.get('seq_name', 'frames')).replace('/', '_')
        stem = osp.splitext(osp.basename(path))[0]
        return f'{seq}_{stem}', draw_sample(frame, pred, gt)
