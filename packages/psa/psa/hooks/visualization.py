"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``psa.infer`` calls too.

:func:`draw_sample` puts side by side: the image, its CAM (max over the image's classes) as a
heat overlay, the propagated (random-walk) map the same way, and the pseudo label as a VOC
palette overlay (each panel optional).
"""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.datasets.voc import voc_palette
from cvshared.hooks import SampleVisualizationHook
from PIL import Image

from ..registry import HOOKS

PALETTE = np.array(voc_palette(256), np.uint8)


def _heat(image, score, weight=0.5):
    s = np.clip(np.asarray(score, np.float32), 0, None)
    s = s / (s.max() + 1e-5)
    heat = np.stack([s, 1 - np.abs(2 * s - 1), 1 - s], -1) * 255  # red = high, blue = low
    return (image * (1 - weight) + heat * weight).astype(np.uint8)


def draw_sample(image: np.ndarray, cam=None, cam_rw=None, label=None,
                weight: float = 0.5) -> np.ndarray:
    """``image`` (H x W x 3 uint8) beside the overlays of ``cam`` / ``cam_rw`` (``K x H x W``
    foreground maps or ``H x W``) and ``label`` (``H x W`` ids, 255 = ignore drawn white)."""
    image = np.asarray(image, np.uint8)
    h, w = image.shape[:2]
    panels = [image]
    for m in (cam, cam_rw):
        if m is None:
            continue
        m = np.asarray(m, np.float32)
        m = m.max(0) if m.ndim == 3 else m
        if m.shape != (h, w):
            raise ValueError(f'draw_sample: map {m.shape} differs from the image {(h, w)}')
        panels.append(_heat(image, m, weight))
    if label is not None:
        lab = np.asarray(label).astype(np.int64)
        if lab.shape != (h, w):
            raise ValueError(f'draw_sample: label {lab.shape} differs from the image {(h, w)}')
        color = PALETTE[np.clip(lab, 0, 255)]
        color[lab == 255] = 255
        panels.append((image * (1 - weight) + color * weight).astype(np.uint8))
    return np.concatenate(panels, axis=1)


@HOOKS.register_module()
class PsaVisualizationHook(SampleVisualizationHook):
    """Writes ``draw_sample`` of every test image (its ``cam`` / ``cam_rw`` / ``label`` outputs)
    to ``<work_dir>/<timestamp>/<test_out_dir>`` when ``draw``."""

    def draw_output(self, sample, batch_idx):
        path = sample.get('img_path')
        if path is None:
            raise KeyError(f'PsaVisualizationHook: test output {batch_idx} has no img_path, so its '
                           f'image cannot be drawn; the test pipeline must pack img_path')
        with Image.open(path) as im:
            image = np.asarray(im.convert('RGB'))
        cam = sample.get('cam')
        if cam is not None:
            import torch
            import torch.nn.functional as F
            cam = torch.as_tensor(np.asarray(cam), dtype=torch.float32)
            if tuple(cam.shape[-2:]) != image.shape[:2]:  # the CAM net's stride-8 maps
                cam = F.interpolate(cam[None], image.shape[:2], mode='bilinear',
                                    align_corners=False)[0]
            cam = cam.numpy()
        stem = osp.splitext(osp.basename(path))[0]
        return stem, draw_sample(image, cam, sample.get('cam_rw'), sample.get('label'))
