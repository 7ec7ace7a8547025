"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``irn.infer`` calls too.

:func:`draw_sample` puts side by side (``cvshared.wsss.draw``): the image, the CAM (maximum over
the image's classes), the IRNet boundary map, the propagated (random-walk) map, the semantic
pseudo label, the ground truth when known, and the instance pseudo labels (one palette colour
per detection, in score order) when given.
"""
from __future__ import annotations

import os.path as osp

import numpy as np
import torch
import torch.nn.functional as F
from cvshared.hooks import SampleVisualizationHook
from cvshared.wsss.draw import caption_panel, draw_pipeline, heat_overlay, label_overlay
from PIL import Image

from ..registry import HOOKS


def _full(maps, size) -> np.ndarray:
    """``(K, h, w)`` maps bilinearly resized to ``size`` (the stride-4 CAMs / boundary)."""
    t = torch.as_tensor(np.asarray(maps, np.float32))
    if t.ndim == 2:
        t = t[None]
    if tuple(t.shape[-2:]) != tuple(size):
        t = F.interpolate(t[None], scale_factor=4, mode='bilinear',
                          align_corners=False)[0, :, :size[0], :size[1]]
    return t.numpy()


def instance_map(det: dict, size) -> np.ndarray:
    """``H x W`` uint8: detection ``i`` (by decreasing score) painted ``i + 1``."""
    out = np.zeros(size, np.uint8)
    order = np.argsort(-np.asarray(det['score']))
    for rank, i in enumerate(order[::-1]):  # the best drawn last (on top)
        out[np.asarray(det['mask'][i], bool)] = len(order) - rank
    return out


def draw_sample(image: np.ndarray, cams, label, rw=None, edge=None, gt=None,
                det: dict | None = None) -> np.ndarray:
    """``image`` (H x W x 3 uint8 RGB); ``cams`` ``(K, h, w)`` at stride 4 or full size;
    ``label`` the ``H x W`` pseudo label; ``rw`` the propagated ``(K, H, W)`` scores (None: the
    label's overlay); ``edge`` the ``(1, h, w)`` boundary; ``det`` the instance detections
    (``score``, ``mask``)."""
    from cvshared.datasets.voc import voc_palette
    size = image.shape[:2]
    label = np.asarray(label)
    cams = _full(cams, size)
    rw = label.astype(np.int64) if rw is None else _full(rw, size)
    out = draw_pipeline(image, cams, rw, label, gt=None if gt is None else np.asarray(gt))
    extra = []
    if edge is not None:
        extra.append(caption_panel(heat_overlay(image, _full(edge, size)[0]), 'boundary'))
    if det is not None:
        extra.append(caption_panel(label_overlay(image, instance_map(det, size),
                                                 voc_palette()), 'instances'))
    return np.concatenate([out] + extra, axis=1) if extra else out


@HOOKS.register_module()
class IrnVisualizationHook(SampleVisualizationHook):
    """Writes ``draw_sample`` of every test output (CAM net: CAM and CAM-only label; IRNet:
    CAM, boundary, random walk and pseudo label) to ``<work_dir>/<timestamp>/<test_out_dir>``
    when ``draw`` (the mmseg ``SegVisualizationHook`` contract)."""

    def draw_output(self, sample, batch_idx):
        with Image.open(sample['img_path']) as im:
            image = np.asarray(im.convert('RGB'))
        stem = osp.splitext(osp.basename(sample['img_path']))[0]
        if sample.get('pred') is None:
            raise ValueError(f'{sample["img_path"]}: the output has no pseudo label to draw '
                             '(a test sample needs its image-level label, and IRNet the '
                             'make_cam CAMs: IrnLoadCAM)')
        return stem, draw_sample(image, sample['cams'], sample['pred'], rw=sample.get('rw'),
                                 edge=sample.get('edge'), gt=sample.get('gt'))
