"""Synthetic data in the official unsupervised-segmentation layouts (:mod:`cvshared.datasets.useg`).

Each image is a partition into 2..``max_regions`` regions (a Voronoi tessellation of random
seed points, so the regions are convex blobs of varied sizes); each region shows one class.
Class ``k`` of ``classes`` has a distinct *feature signature*: a base colour ``COLOURS[k]``
plus a sinusoidal grating of period ``PERIODS[k]`` pixels at orientation ``ANGLES[k]``
(amplitude 45 grey levels, random phase per region), and mild pixel noise (sigma 6). Colour
alone separates the classes for a 1x1 feature extractor, texture for a patch one; a frozen
random ViT or a tiny convnet sees both. The pixels on the region borders (the Voronoi edges,
1 pixel) are labelled ignore (255). Everything derives from ``seed``.

Writers:

- :func:`make_synthetic` -- COCO-Stuff-27 curated (the default): ``classes`` are coarse class
  ids 0..26; each is written as the first fine id that maps to it
  (:data:`~cvshared.datasets.useg.COCO_FINE_TO_COARSE`), so reading exercises the official
  mapping. Lists ``Coco164kFull_Stuff_Coarse.txt`` and ``Coco164kFull_Stuff_Coarse_7.txt``
  in both split folders (same ids: every image is in both).
- :func:`make_potsdam_synthetic` -- Potsdam: ``.mat`` images (4 channels, RGB + a constant
  infrared plane) and labels (fine ids: coarse class 0 is written as 0 or 4 -- roads / cars --,
  1 as 1 or 5, 2 as 2 or 3, alternately by region), the four split files.
- :func:`make_cityscapes_synthetic` -- Cityscapes: ``leftImg8bit`` / ``gtFine_labelIds``
  PNGs (class ``c`` -> label id ``c + 7``), cities ``aachen`` and ``bremen``.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from PIL import Image

from .useg import (
    CITYSCAPES_FIRST_NONVOID,
    COCO_FINE_TO_COARSE,
    COCO_LIST_TRAIN,
    COCO_LIST_VAL,
    IGNORE_INDEX,
)

__all__ = ['COLOURS', 'PERIODS', 'ANGLES', 'class_signature', 'render_regions',
           'make_synthetic', 'make_potsdam_synthetic', 'make_cityscapes_synthetic',
           'DEFAULT_CLASSES']

#: base colours (RGB) of the signature slots 0..7
COLOURS = ((200, 60, 60), (60, 170, 70), (60, 80, 200), (200, 190, 60), (170, 70, 180),
           (60, 180, 180), (130, 130, 130), (210, 130, 60))
#: grating periods (pixels) and orientations (degrees) of the slots
PERIODS = (4.0, 9.0, 6.0, 14.0, 5.0, 11.0, 7.0, 3.0)
ANGLES = (0.0, 45.0, 90.0, 135.0, 22.5, 67.5, 112.5, 157.5)
_POTSDAM_ALT = np.array([4, 5, 3])    # the second fine id of each Potsdam coarse class
#: coarse COCO-Stuff classes of the default: sky, plant, ground, water
DEFAULT_CLASSES = (23, 22, 21, 26)


def class_signature(k: int) -> tuple[tuple[int, int, int], float, float]:
    """(colour, period in pixels, angle in degrees) of signature slot ``k`` (0..7)."""
    if not 0 <= k < len(COLOURS):
        raise ValueError(f'{len(COLOURS)} class signatures exist; slot {k} asked')
    return COLOURS[k], PERIODS[k], ANGLES[k]


def render_regions(rng: np.random.Generator, size: tuple[int, int], num_classes: int,
                   max_regions: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rgb uint8 H x W x 3, slot H x W int64 (0..num_classes-1; -1 on borders),
    region H x W int64)``."""
    if not 1 <= num_classes <= len(COLOURS):
        raise ValueError(f'1..{len(COLOURS)} classes have a signature, got {num_classes}')
    h, w = size
    n = int(rng.integers(2, max(2, max_regions) + 1))
    seeds = rng.uniform([0, 0], [h, w], size=(n, 2))
    cls = rng.integers(num_classes, size=n)
    cls[1] = (cls[0] + 1 + rng.integers(num_classes - 1)) % num_classes if num_classes > 1 \
        else cls[0]      # at least two classes per image
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    d = (yy[None] - seeds[:, 0, None, None]) ** 2 + (xx[None] - seeds[:, 1, None, None]) ** 2
    region = d.argmin(0)
    img = np.zeros((h, w, 3), np.float64)
    for r in range(n):
        colour, period, angle = class_signature(int(cls[r]))
        t = np.deg2rad(angle)
        phase = rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * (xx * np.cos(t) + yy * np.sin(t)) / period + phase)
        m = region == r
        img[m] = np.asarray(colour, np.float64) + 45.0 * wave[m, None]
    img += rng.normal(0, 6, size=img.shape)
    slot = cls[region].astype(np.int64)
    border = np.zeros((h, w), bool)
    border[:, 1:] |= region[:, 1:] != region[:, :-1]
    border[1:, :] |= region[1:, :] != region[:-1, :]
    slot[border] = -1
    return np.clip(np.round(img), 0, 255).astype(np.uint8), slot, region


def _coarse_to_fine(coarse: int) -> int:
    for fine, c in sorted(COCO_FINE_TO_COARSE.items()):
        if c == coarse:
            return fine
    raise ValueError(f'coarse COCO-Stuff class {coarse} is not in 0..26')


def _write_png(path: str, arr: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(arr).save(path)


def make_synthetic(root: str, num_train: int = 4, num_val: int = 2,
                   size: tuple[int, int] = (48, 64), classes=DEFAULT_CLASSES,
                   max_regions: int = 4, seed: int = 0) -> str:
    """Write the COCO-Stuff-27 curated layout under ``root`` (the data set folder); returns it.

    ``classes``: coarse class ids (0..26), at most 8 (one signature slot each, in order).
    Ids: ``train_00000`` ... / ``val_00000`` ...; JPEG images (PIL, quality 95), grey-level PNG
    annotations with fine ids and 255 on the region borders.
    """
    classes = tuple(int(c) for c in classes)
    fine = np.array([_coarse_to_fine(c) for c in classes], np.uint8)
    rng = np.random.default_rng(seed)
    for split, n in (('train2017', num_train), ('val2017', num_val)):
        ids = []
        for i in range(n):
            img_id = f'{split[:-4]}_{i:05d}'
            img, slot, _ = render_regions(rng, size, len(classes), max_regions)
            ann = np.where(slot >= 0, fine[np.clip(slot, 0, None)], IGNORE_INDEX).astype(np.uint8)
            os.makedirs(osp.join(root, 'images', split), exist_ok=True)
            Image.fromarray(img).save(osp.join(root, 'images', split, img_id + '.jpg'),
                                      quality=95)
            _write_png(osp.join(root, 'annotations', split, img_id + '.png'), ann)
            ids.append(img_id)
        os.makedirs(osp.join(root, 'curated', split), exist_ok=True)
        for name in (COCO_LIST_TRAIN, COCO_LIST_VAL):
            with open(osp.join(root, 'curated', split, name), 'w') as f:
                f.write(''.join(x + '\n' for x in ids))
    return root


def make_potsdam_synthetic(root: str, num_train: int = 4, num_val: int = 2,
                           num_unlabelled: int = 1, size: tuple[int, int] = (40, 40),
                           max_regions: int = 4, seed: int = 0) -> str:
    """Write the Potsdam layout (3 coarse classes) under ``root``; returns it.

    ``labelled_train.txt`` (``num_train`` ids), ``labelled_test.txt`` (``num_val``),
    ``unlabelled_train.txt`` (``num_unlabelled`` ids without ``gt``), ``all.txt`` (all).
    """
    from scipy.io import savemat
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'imgs'), exist_ok=True)
    os.makedirs(osp.join(root, 'gt'), exist_ok=True)
    lists = {'labelled_train.txt': [], 'labelled_test.txt': [], 'unlabelled_train.txt': []}
    k = 0
    for name, n in (('labelled_train.txt', num_train), ('labelled_test.txt', num_val),
                    ('unlabelled_train.txt', num_unlabelled)):
        for _ in range(n):
            img_id = str(k)
            k += 1
            img, slot, region = render_regions(rng, size, 3, max_regions)
            ir = np.full(size + (1,), 128, np.uint8)
            savemat(osp.join(root, 'imgs', img_id + '.mat'),
                    {'img': np.concatenate([img, ir], 2)})
            if name != 'unlabelled_train.txt':
                c = np.clip(slot, 0, None)
                fine = np.where(region % 2 == 1, _POTSDAM_ALT[c], c)
                gt = np.where(slot >= 0, fine, IGNORE_INDEX).astype(np.uint8)
                savemat(osp.join(root, 'gt', img_id + '.mat'), {'gt': gt})
            lists[name].append(img_id)
    lists['all.txt'] = [x for v in lists.values() for x in v]
    for name, ids in lists.items():
        with open(osp.join(root, name), 'w') as f:
            f.write(''.join(x + '\n' for x in ids))
    return root


def make_cityscapes_synthetic(root: str, num_train: int = 4, num_val: int = 2,
                              size: tuple[int, int] = (32, 64), classes=(0, 10, 16, 19),
                              max_regions: int = 4, seed: int = 0) -> str:
    """Write the Cityscapes layout under ``root``; returns it. ``classes``: Cityscapes-27
    class ids (default road, pole, sky, car), written as label ids ``c + 7``; region borders
    get label id 0 (unlabeled, ignore)."""
    rng = np.random.default_rng(seed)
    lab = np.array([int(c) + CITYSCAPES_FIRST_NONVOID for c in classes], np.uint8)
    for split, n in (('train', num_train), ('val', num_val)):
        for i in range(n):
            city = ('aachen', 'bremen')[i % 2]
            base = f'{city}_{i:06d}_000019'
            img, slot, _ = render_regions(rng, size, len(classes), max_regions)
            ids = np.where(slot >= 0, lab[np.clip(slot, 0, None)], 0).astype(np.uint8)
            _write_png(osp.join(root, 'leftImg8bit', split, city, base + '_leftImg8bit.png'),
                       img)
            _write_png(osp.join(root, 'gtFine', split, city, base + '_gtFine_labelIds.png'), ids)
    return root
