"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``adcam.infer`` calls too: for one image,
the CNN CAM, the TransCAM map and the AD-CAM map (heat overlays of the maximum over the
image's classes, :mod:`cvshared.wsss.draw`) above their pseudo labels (VOC palette overlays),
and the ground truth when there is one."""
from __future__ import annotations

import os.path as osp

import numpy as np
import torch
from cvshared.datasets.voc import voc_palette
from cvshared.hooks import SampleVisualizationHook
from cvshared.wsss.draw import caption_panel, heat_overlay, label_overlay
from PIL import Image

from ..registry import HOOKS

NAMES = {'cam': 'CAM', 'transcam': 'TransCAM', 'adcam': 'AD-CAM'}


def _max_map(cam) -> np.ndarray:
    cam = np.asarray(cam.detach().cpu() if torch.is_tensor(cam) else cam, np.float64)
    m = cam.max(0) if cam.ndim == 3 and cam.shape[0] else np.zeros(cam.shape[-2:])
    return m / m.max() if m.max() > 0 else m


def draw_sample(image: np.ndarray, cams: dict, labels: dict, gt=None) -> np.ndarray:
    """``image`` (H x W x 3 uint8); ``cams``: method -> ``K x H x W`` maps; ``labels``: method
    -> ``H x W`` pseudo label. Top row: image, then one heat map per method; bottom row: ground
    truth (or the image), then one label overlay per method."""
    palette = voc_palette()
    img = np.asarray(image, np.uint8)
    top = [caption_panel(img, 'image')]
    bottom = [caption_panel(label_overlay(img, np.asarray(gt), palette), 'ground truth')
              if gt is not None else caption_panel(img, 'no ground truth')]
    for m, cam in cams.items():
        top.append(caption_panel(heat_overlay(img, _max_map(cam)), NAMES.get(m, m)))
        lab = np.asarray(labels[m])
        bottom.append(caption_panel(label_overlay(img, lab, palette),
                                    f'{NAMES.get(m, m)} label'))
    return np.concatenate([np.concatenate(top, 1), np.concatenate(bottom, 1)], 0)


@HOOKS.register_module()
class AdcamVisualizationHook(SampleVisualizationHook):
    """Writes :func:`draw_sample` of every test image to
    ``<work_dir>/<timestamp>/<test_out_dir>`` when ``draw`` (the mmseg ``SegVisualizationHook``
    contract), from the ``cams`` / ``labels`` of ``AdcamCAMNet.predict`` (all three methods,
    single scale)."""

    def draw_output(self, sample, batch_idx):
        with Image.open(sample['img_path']) as im:
            image = np.asarray(im.convert('RGB'))
        stem = osp.splitext(osp.basename(sample['img_path']))[0]
        return stem, draw_sample(image, sample['cams'], sample['labels'], sample.get('gt'))
