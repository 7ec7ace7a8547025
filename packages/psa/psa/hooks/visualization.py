"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``psa.infer`` calls too.

:func:`draw_sample` puts side by side: the image, its CAM (max over the image's classes,
divided by its maximum) as a jet heat overlay, the propagated (random-walk) map the same way,
and the pseudo label as a VOC palette overlay (each panel optional), drawn with the shared
:mod:`cvshared.wsss.draw` (``heat_overlay``, ``label_overlay``: background pixels keep the
image, ignore pixels are white, as in IRN's pictures).
"""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.datasets.voc import voc_palette
from cvshared.hooks import SampleVisualizationHook
from cvshared.wsss.draw import caption_panel, heat_overlay, label_overlay
from PIL import Image

from ..registry import HOOKS

PALETTE = voc_palette(256)


def _max_map(m: np.ndarray) -> np.ndarray:
    m = np.clip(np.asarray(m, np.float32), 0, None)
    m = m.max(0) if m.ndim == 3 else m
    return m / (m.max() + 1e-5)


def draw_sample(image: np.ndarray, cam=None, cam_rw=None, label=None,
                weight: float = 0.5, caption: bool = False) -> np.ndarray:
    """``image`` (H x W x 3 uint8) beside the overlays of ``cam`` / ``cam_rw`` (``K x H x W``
    foreground maps or ``H x W``) and ``label`` (``H x W`` ids, 255 = ignore drawn white);
    ``caption``: a :data:`cvshared.wsss.draw.CAPTION_H` band naming each panel."""
    image = np.asarray(image, np.uint8)
    h, w = image.shape[:2]
    panels, names = [image], ['image']
    for m, name in ((cam, 'CAM'), (cam_rw, 'random walk')):
        if m is None:
            continue
        m = np.asarray(m, np.float32)
        if m.shape[-2:] != (h, w) or m.ndim not in (2, 3):
            raise ValueError(f'draw_sample: map {m.shape} differs from the image {(h, w)}')
        panels.append(heat_overlay(image, _max_map(m), weight))
        names.append(name)
    if label is not None:
        lab = np.asarray(label).astype(np.int64)
        if lab.shape != (h, w):
            raise ValueError(f'draw_sample: label {lab.shape} differs from the image {(h, w)}')
        panels.append(label_overlay(image, lab, PALETTE, weight))
        names.append('pseudo label')
    if caption:
        panels = [caption_panel(p, n) for p, n in zip(panels, names)]
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
