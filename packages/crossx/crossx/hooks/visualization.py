"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``crossx.infer`` calls too."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.hooks import SampleVisualizationHook
from PIL import Image

from ..registry import HOOKS

CORRECT, WRONG, UNKNOWN = (0, 200, 0), (220, 0, 0), (128, 128, 128)


def draw_sample(image: np.ndarray, pred_label: int, gt_label: int | None = None,
                border: int = 2) -> np.ndarray:
    """``image`` (H x W x 3 uint8) with a border: green if ``pred_label == gt_label``, red if
    not, grey without ground truth; the predicted class as that many dots in the top row."""
    out = np.array(image, dtype=np.uint8, copy=True)
    color = UNKNOWN if gt_label is None else CORRECT if pred_label == gt_label else WRONG
    out[:border], out[-border:], out[:, :border], out[:, -border:] = color, color, color, color
    for k in range(pred_label + 1):
        out[border:2 * border, border + 3 * k: border + 3 * k + border] = (255, 255, 255)
    return out


@HOOKS.register_module()
class CrossxVisualizationHook(SampleVisualizationHook):
    """Writes ``draw_sample`` of every test image to ``<work_dir>/<timestamp>/<test_out_dir>``
    when ``draw`` (the mmseg ``SegVisualizationHook`` contract)."""

    def draw_output(self, sample, batch_idx):
        with Image.open(sample['img_path']) as im:
            image = np.asarray(im.convert('RGB'))
        stem = osp.splitext(osp.basename(sample['img_path']))[0]
        return stem, draw_sample(image, sample['pred_label'], sample.get('label'))
