"""The part attention pictures (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and their pure drawing function, which ``crossx.infer`` calls too.

A picture is the test image followed by one panel per OSME part: the part's attention map
(:func:`crossx.models.part_attention`: channel mean of the stage-4 part map, min-max scaled;
the channel-gated activations of OSME) upsampled to the image and blended over it as a heat
map, with a border green / red for a right / wrong prediction (grey without ground truth).
"""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.hooks import SampleVisualizationHook
from PIL import Image

from ..registry import HOOKS

CORRECT, WRONG, UNKNOWN = (0, 200, 0), (220, 0, 0), (128, 128, 128)


def heat(values: np.ndarray) -> np.ndarray:
    """[0, 1] -> RGB uint8 (black -> red -> yellow -> white)."""
    v = np.clip(values, 0, 1)[..., None]
    rgb = np.concatenate([np.clip(3 * v, 0, 1), np.clip(3 * v - 1, 0, 1),
                          np.clip(3 * v - 2, 0, 1)], -1)
    return (rgb * 255).astype(np.uint8)


def draw_sample(image: np.ndarray, part_maps: np.ndarray, pred_label: int,
                gt_label: int | None = None, alpha: float = 0.6, border: int = 2) -> np.ndarray:
    """``image`` (H x W x 3 uint8) and ``part_maps`` (P x h x w, max 1) -> H x (P + 1) W x 3.

    Each part panel is ``(1 - alpha) * image + alpha * heat(map upsampled bilinearly)``."""
    image = np.asarray(image, dtype=np.uint8)
    h, w = image.shape[:2]
    panels = [image.copy()]
    for m in np.asarray(part_maps, dtype=np.float32):
        up = np.asarray(Image.fromarray(m).resize((w, h), Image.BILINEAR))
        panels.append(((1 - alpha) * image + alpha * heat(up)).astype(np.uint8))
    out = np.concatenate(panels, axis=1)
    color = UNKNOWN if gt_label is None else CORRECT if pred_label == gt_label else WRONG
    out[:border], out[-border:], out[:, :border], out[:, -border:] = color, color, color, color
    return out


def _field(sample, name, default=None):
    if isinstance(sample, dict):
        return sample.get(name, default)
    return getattr(sample, name, default)


@HOOKS.register_module()
class CrossxVisualizationHook(SampleVisualizationHook):
    """Writes :func:`draw_sample` of every test image (its original pixels, the prediction's
    part maps) to ``<work_dir>/<timestamp>/<test_out_dir>`` when ``draw`` (the mmseg
    ``SegVisualizationHook`` contract)."""

    def draw_output(self, sample, batch_idx):
        path = _field(sample, 'img_path')
        with Image.open(path) as im:
            image = np.asarray(im.convert('RGB'))
        gt = _field(sample, 'gt_label')
        pred = int(_field(sample, 'pred_label')[0])
        maps = _field(sample, 'part_maps').numpy()
        folder = osp.basename(osp.dirname(path))   # class folders may reuse file names
        stem = f'{folder}_{osp.splitext(osp.basename(path))[0]}'
        return stem, draw_sample(image, maps, pred, None if gt is None else int(gt[0]))
