"""The pictures: the visualization hook (``default_hooks.visualization``; ``tools/test.py
--show-dir`` switches it on) and its pure drawing functions (``cvshared.wsss.draw``
overlays), which ``webvideo_wsss.infer`` and ``tools``-free scripts call too.

* :func:`draw_sample`: image | CAM (E6, max over the image's classes) | decoder foreground
  probability (E7, max over the classes) | label map (E8) | ground truth;
* :func:`draw_video_frame`: frame | localisation map | thresholded-CAM mask | graph-cut video
  mask (E1) | true mask (the video stage, Sec. 3.2).
"""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.datasets.voc import voc_palette
from cvshared.hooks import SampleVisualizationHook
from cvshared.wsss.draw import caption_panel, heat_overlay, label_overlay
from PIL import Image

from ..registry import HOOKS


def _max_map(maps, shape) -> np.ndarray:
    maps = np.asarray(maps, np.float64)
    if maps.ndim == 2:
        maps = maps[None]
    if maps.shape[1:] != tuple(shape):
        raise ValueError(f'draw: maps of size {maps.shape[1:]} for an image of {tuple(shape)}')
    return maps.max(0) if len(maps) else np.zeros(shape)


def draw_sample(image: np.ndarray, cams, fg_probs, label, gt=None,
                caption: bool = True) -> np.ndarray:
    """One row of panels for an image (``H x W x 3`` uint8): its CAMs (``K x H x W``), the
    decoder's foreground probabilities (``K x H x W``, or None for the encoder alone), the
    label map (VOC ids) and optionally the ground truth."""
    img = np.asarray(image, np.uint8)
    pal = voc_palette()
    panels = [(img, 'image'), (heat_overlay(img, _max_map(cams, img.shape[:2])), 'CAM')]
    if fg_probs is not None:
        panels.append((heat_overlay(img, _max_map(fg_probs, img.shape[:2])), 'decoder fg'))
    panels.append((label_overlay(img, np.asarray(label), pal), 'label'))
    if gt is not None:
        panels.append((label_overlay(img, np.asarray(gt), pal), 'ground truth'))
    if caption:
        return np.concatenate([caption_panel(p, c) for p, c in panels], 1)
    return np.concatenate([p for p, _ in panels], 1)


def draw_video_frame(frame: np.ndarray, alpha, cam_mask, video_mask, gt=None,
                     caption: bool = True) -> np.ndarray:
    """One row for a retained video frame: localisation map, the thresholded CAM, the graph-cut
    mask and the true mask (0 / 1, 255 ignore) when given."""
    img = np.asarray(frame, np.uint8)
    pal = [[0, 0, 0], [255, 255, 255]] + [[128, 128, 128]] * 254
    panels = [(img, 'frame'), (heat_overlay(img, _max_map(alpha, img.shape[:2])), 'CAM'),
              (label_overlay(img, np.asarray(cam_mask, np.uint8), pal), 'CAM >= t'),
              (label_overlay(img, np.asarray(video_mask, np.uint8), pal), 'graph cut')]
    if gt is not None:
        panels.append((label_overlay(img, np.asarray(gt, np.uint8), pal), 'true mask'))
    if caption:
        return np.concatenate([caption_panel(p, c) for p, c in panels], 1)
    return np.concatenate([p for p, _ in panels], 1)


@HOOKS.register_module()
class WebVideoVisualizationHook(SampleVisualizationHook):
    """Writes :func:`draw_sample` of every test image to
    ``<work_dir>/<timestamp>/<test_out_dir>`` when ``draw`` (the mmseg ``SegVisualizationHook``
    contract); the outputs of the encoder (CAM-only labels) and of the encoder-decoder."""

    def draw_output(self, sample, batch_idx):
        with Image.open(sample['img_path']) as im:
            image = np.asarray(im.convert('RGB'))
        stem = osp.splitext(osp.basename(sample['img_path']))[0]
        h, w = np.asarray(sample['pred']).shape
        cams = sample.get('cams', np.zeros((0, h, w)))
        gt = sample.get('gt')
        return stem, draw_sample(image[:h, :w], cams, sample.get('probs'), sample['pred'],
                                 None if gt is None else np.asarray(gt))
