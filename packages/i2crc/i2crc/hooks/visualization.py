"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``i2crc.infer`` calls too.

:func:`draw_sample`: image | one CAM heat panel per class | saliency heat map | pseudo label
(| ground truth), panels of ``cvshared.wsss.draw``.
"""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.datasets.voc import VOC_CLASSES, voc_palette
from cvshared.hooks import SampleVisualizationHook
from cvshared.wsss.draw import caption_panel, draw_cam_overlay, draw_label_overlay, heat_overlay
from PIL import Image

from ..registry import HOOKS


def draw_sample(image: np.ndarray, maps: dict | None, saliency: np.ndarray | None = None,
                label: np.ndarray | None = None, gt: np.ndarray | None = None,
                label_caption: str = 'pseudo label') -> np.ndarray:
    """``image`` (H x W x 3 uint8), ``maps`` ``{c: H x W uint8}`` (:func:`i2crc.labels.cam_maps`;
    ``None``: no CAM panel), optional ``saliency`` (H x W, uint8 0..255 or float 0..1),
    ``label`` (VOC ids / 255, captioned ``label_caption``) and ``gt``: the panels side by
    side, captioned."""
    panels = [caption_panel(np.asarray(image, np.uint8), 'image')]
    if maps is not None:
        keys = sorted(maps)
        cams = (np.stack([maps[k] / 255.0 for k in keys]) if keys
                else np.zeros((0,) + image.shape[:2]))
        panels.append(draw_cam_overlay(image, cams, keys, class_names=VOC_CLASSES[1:]))
    if saliency is not None:
        sal = np.asarray(saliency, np.float64)
        sal = sal / 255.0 if sal.max() > 1 else sal
        panels.append(caption_panel(heat_overlay(image, sal), 'saliency'))
    palette = voc_palette()
    if label is not None:
        panels.append(draw_label_overlay(image, label, palette, caption=label_caption))
    if gt is not None:
        panels.append(draw_label_overlay(image, gt, palette, caption='ground truth'))
    return np.concatenate(panels, axis=1)


@HOOKS.register_module()
class I2crcVisualizationHook(SampleVisualizationHook):
    """Writes ``draw_sample`` of every test image to ``<work_dir>/<timestamp>/<test_out_dir>``
    when ``draw`` (the mmseg ``SegVisualizationHook`` contract). A classifier sample shows
    its CAM maps, saliency and plain-CAM label (with the saliency, the ``gen_gt`` label);
    a DeepLab sample its prediction."""

    def draw_output(self, sample, batch_idx):
        if hasattr(sample, 'pred_sem_seg'):  # a SegDataSample of the DeepLab
            path = sample.img_path
            with Image.open(path) as im:
                image = np.asarray(im.convert('RGB'))
            label = sample.pred_sem_seg.data[0].cpu().numpy()
            gt = (sample.gt_sem_seg.data[0].cpu().numpy() if hasattr(sample, 'gt_sem_seg')
                  else None)
            out = draw_sample(image, None, label=label, gt=gt, label_caption='prediction')
        else:
            from ..labels import gen_gt
            path = sample['img_path']
            with Image.open(path) as im:
                image = np.asarray(im.convert('RGB'))
            maps = sample.get('maps', {})
            sal = sample.get('saliency')
            label = sample.get('pred')
            if sal is not None and sal.shape == image.shape[:2]:
                sal = np.clip(np.rint(sal * 255 if sal.max() <= 1 else sal), 0, 255)
                label = gen_gt(sal.astype(np.uint8), maps)
            out = draw_sample(image, maps, sal, label, sample.get('gt'))
        return osp.splitext(osp.basename(path))[0], out
