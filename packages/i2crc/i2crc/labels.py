"""I2CRC's label rules as numpy functions (no torch, no files):

:func:`cam_maps`       the CAM maps of an image's classes (official ``scripts/test.py``): per
                       ground-truth class ``c``, ``relu(cam_c) / (max + 1e-8)``, times 255
                       truncated to uint8 on the CAM grid, then bicubic (``cv2.INTER_CUBIC``,
                       uint8, saturating) to the image size: the ``<name>_<c>.png`` files.
:func:`gen_gt`         the initial pseudo label (paper Sec. III-D; official ``gen_gt.py``) from
                       the saliency map (uint8 0..255) and those maps.
:func:`label_refinement` the object-guided refinement (paper Sec. III-E; official
                       ``label_refinement.py``) of a DeepLab prediction with the initial label.
:func:`cam_label`      the plain-CAM baseline label: ``argmax([t, maps / 255])``, a constant
                       background score ``t`` (not part of I2CRC; the learning test's baseline).

Class ids: ``classes`` / map keys are 0-based foreground indices (VOC's ``aeroplane`` = 0, as
the official ``train_cls.txt``); labels use VOC ids (0 background, ``c + 1`` the class, 255
ignore).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import cv2
import numpy as np
from cvshared.wsss.cam import cam_label as keyed_cam_label

IGNORE = 255
# gen_gt thresholds (official gen_gt.py)
CONFLICT = 0.9      # a pixel where more than one score exceeds it is ignored
FG_THR = 0.3        # scores below it are zeroed (every channel, background included)
BG_THR = 32         # background pixels whose saliency-or-attention is >= it are ignored
ATT_THR = 0.5       # CAM above it marks the pixel as attended (255 in sal_att)
MIN_RATIO = 0.01    # an image with fewer object pixels is ignored entirely


def _classes(labels) -> list[int]:
    """0-based foreground classes of a multi-hot vector (float or bool) or of integer indices."""
    arr = np.asarray(labels)
    if arr.dtype.kind in 'fb':
        return [int(i) for i in np.flatnonzero(arr.reshape(-1) > 0)]
    return [int(i) for i in arr.reshape(-1)]


def cam_maps(cam: np.ndarray, labels, size) -> dict[int, np.ndarray]:
    """``{c: uint8 H x W}`` for each class of ``labels`` (multi-hot float vector or indices)
    from the raw CAM ``cam`` (``C x h x w``); ``size`` = (H, W) of the image."""
    h, w = (int(v) for v in size)
    out = {}
    for c in _classes(labels):
        att = np.maximum(np.asarray(cam[c], np.float32), 0)
        att = att / (att.max() + 1e-8)
        att = np.array(att * 255, dtype=np.uint8)
        out[c] = cv2.resize(att, (w, h), interpolation=cv2.INTER_CUBIC)
    return out


def _check_maps(sal: np.ndarray, maps: Mapping[int, np.ndarray]) -> None:
    for c, m in maps.items():
        if m.shape != sal.shape:
            raise ValueError(f'gen_gt: the CAM map of class {c} is {m.shape} but the saliency '
                             f'map is {sal.shape}; both must be the image size')


def gen_gt(sal: np.ndarray, maps: Mapping[int, np.ndarray]) -> np.ndarray:
    """The initial pseudo label (uint8 H x W) of one image.

    Args:
        sal: Saliency, ``H x W`` 0..255 (the ``saliency_aug`` PNG as read).
        maps: ``{c: H x W}`` CAM maps (0..255, :func:`cam_maps`) of the image's classes.

    Rules (``score`` has 21 channels, 0 everywhere a class is absent):
    1. ``score[0] = 1 - sal / 255``; ``score[c + 1]`` = the min-max normalised map of class c;
       ``sal_att = max(sal, 255 [map_c > 0.5])`` over the classes (normalised maps);
    2. ``score < 0.3 -> 0`` (all channels);
    3. ``label = argmax(score)`` (0 where all are 0); pixels where more than one channel
       exceeds 0.9 -> 255;
    4. pixels labelled background whose ``sal_att >= 32`` -> 255;
    5. fewer than 1 % object pixels (not 0, not 255) -> the whole label 255.
    """
    sal = np.asarray(sal, np.float32)
    if sal.ndim != 2:
        raise ValueError(f'gen_gt: the saliency map must be H x W, got {sal.shape}')
    _check_maps(sal, maps)
    height, width = sal.shape
    score = np.zeros((21, height, width), np.float32)
    score[0] = 1 - sal / 255
    sal_att = sal.copy()
    for c, att in maps.items():
        att = np.asarray(att)
        att = (att - np.min(att)) / (np.max(att) - np.min(att) + 1e-8)
        score[c + 1] = att
        sal_att = np.maximum(sal_att, (att > ATT_THR) * 255)
    score[score < FG_THR] = 0
    conflict = (score > CONFLICT).sum(0)
    label = score.argmax(0).astype(np.uint8)
    label[conflict > 1] = IGNORE
    label[(sal_att >= BG_THR) & (label == 0)] = IGNORE
    return _min_ratio(label)


def _min_ratio(label: np.ndarray) -> np.ndarray:
    valid = ((label > 0) & (label < IGNORE)).sum()
    if float(valid) / float(label.size) < MIN_RATIO:
        label[...] = IGNORE
    return label


def label_refinement(pred: np.ndarray, init_label: np.ndarray, classes) -> np.ndarray:
    """The refined pseudo label (uint8 H x W) from a first DeepLab's prediction.

    Args:
        pred: The DeepLab prediction (after CRF), VOC ids ``H x W``.
        init_label: The initial pseudo label (:func:`gen_gt`), same size.
        classes: The image's 0-based foreground classes (or a multi-hot vector).

    Rules: predicted classes not in the image label -> 255; for an image of two or more
    classes, pixels predicted background where the initial label is not 0 take the initial
    label (which may be 255); if a class of the image is absent from the result, every
    background pixel -> 255; then the 1 % rule of :func:`gen_gt`.
    """
    gt = np.asarray(pred, np.int32).copy()
    init = np.asarray(init_label, np.int32)
    if gt.shape != init.shape or gt.ndim != 2:
        raise ValueError(f'label_refinement: prediction {gt.shape} and initial label '
                         f'{init.shape} must be the same H x W')
    ids = [c + 1 for c in _classes(classes)]
    allowed = set([0] + ids)
    for k in set(np.unique(gt).tolist()) - allowed:
        gt[gt == k] = IGNORE
    if len(ids) > 1:
        gt = np.where((gt == 0) & (init != 0), init, gt)
    if any((gt == k).sum() == 0 for k in ids):
        gt[gt == 0] = IGNORE
    return _min_ratio(gt.astype(np.uint8))


def cam_label(maps: Mapping[int, np.ndarray], shape, bg_threshold: float) -> np.ndarray:
    """Plain-CAM label: ``argmax`` of ``[bg_threshold, maps[c] / 255 ...]`` (VOC ids)."""
    h, w = (int(v) for v in shape)
    keys = sorted(maps)
    if not keys:
        return np.zeros((h, w), np.uint8)
    cams = np.stack([np.asarray(maps[c], np.float32) / 255 for c in keys])
    return keyed_cam_label(keys, cams, bg_threshold).numpy().astype(np.uint8)


def best_threshold_labels(maps_list: Iterable, gts: list, thresholds) -> tuple[float, float]:
    """``(best mIoU, its threshold)`` of :func:`cam_label` over ``thresholds`` (fractions)."""
    from cvshared.metrics.segmentation import evaluate_label_maps
    maps_list = list(maps_list)
    best = (-1.0, None)
    for t in thresholds:
        preds = [cam_label(m, g.shape, t) for m, g in zip(maps_list, gts)]
        miou = evaluate_label_maps(preds, gts, 21)['mIoU']
        if miou > best[0]:
            best = (miou, t)
    return best
