"""A synthetic fine-grained set in the CUB-200-2011 layout (read by
``cvshared.datasets.finegrained.CUB200Classification``): classes differ only in two small
parts.

Each 64 x 64 image shows a "bird": a large ellipse (body) of a random colour at a random
place, on a cluttered background of random blobs, with a 5 x 5 "head" patch at the body's
right end and a 5 x 5 "tail" patch at its left end. The class is (head colour, tail colour)
out of 2 x 2 colours that neither body nor clutter use; body, clutter, position and noise
vary within a class. The parts cover 1.2 % of the image.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from PIL import Image

HEAD = ((230, 40, 40), (40, 200, 230))     # red / cyan
TAIL = ((240, 220, 40), (200, 40, 220))    # yellow / magenta
CLASSES = tuple(f'{i + 1:03d}.head{h}_tail{t}' for i, (h, t) in
                enumerate((h, t) for h in range(2) for t in range(2)))


def _dull(rng):
    """A clutter / body colour: grey-green-brown, away from the part colours."""
    base = rng.uniform(60, 160)
    return np.clip(base + rng.normal(0, 15, 3), 0, 255)


def draw_bird(rng: np.random.Generator, label: int, size: int = 64) -> np.ndarray:
    img = np.zeros((size, size, 3)) + _dull(rng)
    yy, xx = np.mgrid[:size, :size]
    for _ in range(6):   # clutter
        cy, cx, r = rng.uniform(0, size, 2).tolist() + [rng.uniform(3, 9)]
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = _dull(rng)
    a, b = rng.uniform(12, 18), rng.uniform(6, 9)      # body half-axes
    cy, cx = rng.uniform(b + 4, size - b - 4), rng.uniform(a + 6, size - a - 6)
    img[((yy - cy) / b) ** 2 + ((xx - cx) / a) ** 2 < 1] = _dull(rng)
    head, tail = divmod(label, 2)
    for colour, x0 in ((HEAD[head], cx + a - 3), (TAIL[tail], cx - a - 2)):
        y0, x0 = int(round(cy)) - 2, int(round(x0))
        img[y0:y0 + 5, x0:x0 + 5] = colour
    img += rng.normal(0, 8, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


# candidate for cvshared: the CUB-200-2011 list writer below (any images, any classes)
def make_synthetic(root: str, per_class_train: int = 24, per_class_test: int = 16,
                   size: int = 64, seed: int = 0) -> str:
    """Write the CUB-200-2011 files into ``root`` (``images.txt``, ``image_class_labels.txt``,
    ``classes.txt``, ``train_test_split.txt``, ``images/<class>/<n>.png``: the ``data_root``
    of the configs); returns ``root``."""
    rng = np.random.default_rng(seed)
    top = root
    images, labels, split = [], [], []
    for c, name in enumerate(CLASSES):
        os.makedirs(osp.join(top, 'images', name), exist_ok=True)
        for k in range(per_class_train + per_class_test):
            rel = f'{name}/{k:04d}.png'
            Image.fromarray(draw_bird(rng, c, size)).save(osp.join(top, 'images', rel))
            idx = len(images) + 1
            images.append(f'{idx} {rel}')
            labels.append(f'{idx} {c + 1}')
            split.append(f'{idx} {int(k < per_class_train)}')
    for fname, lines in (('images.txt', images), ('image_class_labels.txt', labels),
                         ('train_test_split.txt', split),
                         ('classes.txt', [f'{i + 1} {n}' for i, n in enumerate(CLASSES)])):
        with open(osp.join(top, fname), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return top
