"""HP's synthetic set: :func:`cvshared.datasets.useg_synthetic.make_synthetic` (COCO-Stuff-27
curated layout, textured Voronoi regions, each class a colour + grating signature) with the
colour taken out, so that only the texture tells the classes apart and the raw features of a
tiny random ViT cluster them poorly (k-means on them: 41-47 % mIoU on 4 classes, README).

Every image ``x`` (RGB, 0..255) is rewritten as ``(1 - grey) x + grey Y(x)`` (``Y`` the BT.601
luma; ``grey = 1``: grey-level images in three channels), then optionally given a per-image
contrast gain ``g ~ U(1 - cast, 1 + cast)`` about its mean, a colour offset
``b ~ U(-shift, shift)^3`` plus a tint ``t * TINT_AXIS``, ``t ~ U(-tint, tint)`` (a
one-dimensional nuisance continuum; values above about 60 clip the texture in the red and
green channels), and pixel noise (``noise`` grey levels), drawn from ``seed`` (off by default;
with ``tint = 0`` the random stream is the one without the option). Labels are unchanged.
"""
from __future__ import annotations

import glob
import os.path as osp

import numpy as np
from cvshared.datasets.useg_synthetic import make_synthetic as make_regions
from PIL import Image

__all__ = ['make_synthetic', 'SYNTHETIC_CLASSES']

#: coarse COCO-Stuff-27 classes of the synthetic set: sky, plant, ground, water
SYNTHETIC_CLASSES = (23, 22, 21, 26)
#: the fixed colour axis of the per-image tint nuisance (red up, green down)
TINT_AXIS = np.array([1.0, -1.0, 0.0])


def make_synthetic(root: str, num_train: int = 32, num_val: int = 8,
                   size: tuple[int, int] = (48, 64), classes=SYNTHETIC_CLASSES,
                   cast: float = 0.0, shift: float = 0.0, noise: float = 0.0,
                   grey: float = 1.0, tint: float = 0.0,
                   seed: int = 0) -> str:
    """Write the set under ``root`` (the data set folder: ``DATA_ROOT``); returns it."""
    make_regions(root, num_train=num_train, num_val=num_val, size=size, classes=classes,
                 seed=seed)
    rng = np.random.default_rng(seed + 7919)
    for path in sorted(glob.glob(osp.join(root, 'images', '*', '*.jpg'))):
        with Image.open(path) as im:
            x = np.asarray(im.convert('RGB'), np.float64)
        g = rng.uniform(1 - cast, 1 + cast)
        b = rng.uniform(-shift, shift, size=3)
        if tint:
            b = b + rng.uniform(-tint, tint) * TINT_AXIS
        x = (1 - grey) * x + grey * (x @ np.array([0.299, 0.587, 0.114]))[..., None]
        m = x.mean(axis=(0, 1))
        y = g * (x - m) + m + b + noise * rng.standard_normal(x.shape)
        y = np.clip(np.round(y), 0, 255).astype(np.uint8)
        Image.fromarray(y).save(path, quality=95)
    return root
