"""Pictures of peer-learning, as pure functions the hook (and ``peerlearning.infer``) call:

* :func:`draw_sample`: a test image framed green (prediction right), red (wrong) or grey (no
  ground truth);
* :func:`draw_selection`: a training mini-batch as a grid, each image framed by what the peer
  selection (the paper's Fig. 2) did with it: blue = G_d (the peers disagree: both learn
  from it), green = agreed and kept by both peers, yellow = kept by one peer only, red =
  agreed but dropped by both (large loss for both: likely a noisy label).

The hook writes the test pictures when ``draw`` (``tools/test.py --show-dir``) and, with
``train_interval`` > 0, the selection picture of every ``train_interval``-th training batch to
``<work_dir>/<timestamp>/selection/iter_<n>.png``.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from cvshared.hooks import SampleVisualizationHook, visualization_dir
from PIL import Image

from ..registry import HOOKS

CORRECT, WRONG, UNKNOWN = (0, 200, 0), (220, 0, 0), (128, 128, 128)
DISAGREE, KEPT_BOTH, KEPT_ONE, DROPPED = (0, 90, 255), (0, 200, 0), (240, 200, 0), (220, 0, 0)


def _frame(image: np.ndarray, color, border: int) -> np.ndarray:
    out = np.array(image, dtype=np.uint8, copy=True)
    out[:border], out[-border:], out[:, :border], out[:, -border:] = color, color, color, color
    return out


def draw_sample(image: np.ndarray, pred_label: int, gt_label: int | None = None,
                border: int = 2) -> np.ndarray:
    """``image`` (H x W x 3 uint8) framed green if ``pred_label == gt_label``, red if not,
    grey without ground truth (the input is not modified)."""
    color = UNKNOWN if gt_label is None else CORRECT if pred_label == gt_label else WRONG
    return _frame(image, color, border)


def selection_colors(num: int, selection) -> list:
    """The frame colour of each of the ``num`` batch samples (see the module docstring)."""
    kept1, kept2 = set(selection.keep1.tolist()), set(selection.keep2.tolist())
    disagree = set(selection.disagree.tolist())
    colors = []
    for i in range(num):
        if i in disagree:
            colors.append(DISAGREE)
        else:
            colors.append({2: KEPT_BOTH, 1: KEPT_ONE, 0: DROPPED}[(i in kept1) + (i in kept2)])
    return colors


def draw_selection(images: list, selection, columns: int = 8, border: int = 2) -> np.ndarray:
    """A grid of the batch ``images`` (H x W x 3 uint8, equal sizes), framed by
    :func:`selection_colors`."""
    if not images:
        raise ValueError('draw_selection: no images')
    h, w = images[0].shape[:2]
    colors = selection_colors(len(images), selection)
    rows = (len(images) + columns - 1) // columns
    grid = np.full((rows * (h + 2), columns * (w + 2), 3), 255, np.uint8)
    for k, (image, color) in enumerate(zip(images, colors)):
        r, c = divmod(k, columns)
        grid[r * (h + 2) + 1: r * (h + 2) + 1 + h, c * (w + 2) + 1: c * (w + 2) + 1 + w] = \
            _frame(image, color, border)
    return grid


def _to_hwc_uint8(image) -> np.ndarray:
    """A pipeline's ``(3, H, W)`` uint8 tensor (mmpretrain ``PackInputs``, BGR from mmcv's
    loader) -> ``H x W x 3`` RGB uint8."""
    array = image.detach().cpu().numpy() if isinstance(image, torch.Tensor) else image
    return np.ascontiguousarray(array.transpose(1, 2, 0)[..., ::-1]).astype(np.uint8)


@HOOKS.register_module()
class PeerlearningVisualizationHook(SampleVisualizationHook):
    """Test pictures (the mmseg ``SegVisualizationHook`` contract, ``draw`` / ``test_out_dir``)
    and, with ``train_interval`` > 0, the peer-selection picture of training batches."""

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 train_interval: int = 0):
        super().__init__(draw=draw, test_out_dir=test_out_dir, interval=interval)
        self.train_interval = train_interval

    def draw_output(self, sample, batch_idx):
        with Image.open(sample.get('img_path')) as im:
            image = np.asarray(im.convert('RGB'))
        stem = osp.splitext(osp.basename(sample.get('img_path')))[0]
        gt = sample.get('gt_label')
        return stem, draw_sample(image, int(sample.get('pred_label')),
                                 None if gt is None or int(gt) < 0 else int(gt))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self.train_interval <= 0 or (runner.iter + 1) % self.train_interval:
            return
        model = getattr(runner.model, 'module', runner.model)
        selection = getattr(model, 'last_selection', None)
        if selection is None or data_batch is None:
            return
        images = [_to_hwc_uint8(x) for x in data_batch['inputs']]
        out_dir = visualization_dir(runner, 'selection')
        os.makedirs(out_dir, exist_ok=True)
        Image.fromarray(draw_selection(images, selection)).save(
            osp.join(out_dir, f'iter_{runner.iter + 1}.png'))
