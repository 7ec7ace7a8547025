"""The synthetic set: the shared VOC-layout generator (``cvshared.datasets.voc_synthetic``)
plus saliency maps in the released layout (``<root>/saliency_aug/<name>.png``).

The saliency of an image is made from its ground-truth foreground mask (every object pixel,
the 255 object borders included): ``255 * mask`` blurred by a Gaussian of ``sigma`` pixels
(``sal_blur``, default 1.5), plus i.i.d. Gaussian noise of ``sal_noise`` grey levels (default
12), clipped to 0..255, from its own random stream (``[seed, 7]``, so the VOC files are those of
the generator). A stand-in for a real detector's maps: soft edges, a noisy background, and no
class information (the class-agnostic cue I2CRC expects), written for the background-only
images too.
"""
from __future__ import annotations

import os
import os.path as osp

import cv2
import numpy as np
from cvshared.datasets.voc import read_image_list
from cvshared.datasets.voc_synthetic import CAM_TRAIN_LIST, make_voc_synthetic

from .saliency import SALIENCY_DIR

SYNTHETIC_CLASSES = ('aeroplane', 'bicycle', 'bird')


def synthetic_saliency(mask: np.ndarray, rng: np.random.Generator, blur: float = 1.5,
                       noise: float = 12.0) -> np.ndarray:
    """``uint8 H x W`` saliency of a VOC mask (object = any id other than 0)."""
    fg = (np.asarray(mask) != 0).astype(np.float32) * 255
    if blur > 0:
        fg = cv2.GaussianBlur(fg, (0, 0), sigmaX=blur)
    if noise > 0:
        fg = fg + rng.normal(0, noise, fg.shape)
    return np.clip(np.rint(fg), 0, 255).astype(np.uint8)


def write_saliency(root: str, seed: int = 0, blur: float = 1.5, noise: float = 12.0,
                   saliency_dir: str = SALIENCY_DIR) -> list[str]:
    """Saliency PNGs for every image of ``JPEGImages`` that has a ``SegmentationClassAug`` mask;
    returns the names."""
    from PIL import Image
    out = osp.join(root, saliency_dir)
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng([seed, 7])
    names = sorted(osp.splitext(f)[0] for f in os.listdir(osp.join(root, 'SegmentationClassAug'))
                   if f.endswith('.png'))
    for name in names:
        with Image.open(osp.join(root, 'SegmentationClassAug', name + '.png')) as im:
            mask = np.asarray(im)
        cv2.imwrite(osp.join(out, name + '.png'), synthetic_saliency(mask, rng, blur, noise))
    return names


def make_synthetic(root: str, num_train: int = 48, num_val: int = 8, seed: int = 0,
                   size=(64, 64), classes=SYNTHETIC_CLASSES, max_objects: int = 2,
                   num_empty: int | None = 8, sal_blur: float = 1.5,
                   sal_noise: float = 12.0) -> str:
    """VOC-layout set at ``root`` (default style: each class a shape + tint on a texture; three
    classes, up to two objects, 64 x 64) with ``saliency_aug/``; ``num_empty`` background-only
    images listed in ``train_cam.txt`` (the classifier's list). Returns ``root``."""
    make_voc_synthetic(root, num_train=num_train, num_val=num_val, size=tuple(size),
                       classes=classes, max_objects=max_objects, seed=seed, num_empty=num_empty)
    write_saliency(root, seed=seed, blur=sal_blur, noise=sal_noise)
    return root


def train_names(root: str) -> list[str]:
    lst = CAM_TRAIN_LIST if osp.isfile(osp.join(root, CAM_TRAIN_LIST)) else \
        'ImageSets/Segmentation/train.txt'
    return read_image_list(osp.join(root, lst))
