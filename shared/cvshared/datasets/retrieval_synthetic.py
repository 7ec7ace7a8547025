"""A small synthetic deep-metric-learning set in the CUB-200-2011 layout.

:func:`write_synthetic_cub` draws JPEG images of one coloured shape on a noisy textured
background. A class is a (shape, colour) combination; class ``i`` has shape
``i % num_shapes`` and colour ``(i + i // num_shapes) % num_colours``, so with the default 12
classes, 4 shapes and 4 colours the last 6 classes (the held-out test classes of the zero-shot
split read by :class:`cvshared.datasets.retrieval.CUBRetrieval`) are *new combinations* of the
shapes and colours seen in training: retrieval on them needs an embedding of shape and colour,
not a memorised class. Position, size, rotation, colour jitter and the background vary per
image.

Files written (the CUB layout)::

    <root>/images.txt               "<id> <class folder>/<name>.jpg"
    <root>/image_class_labels.txt   "<id> <class id>"
    <root>/classes.txt              "<class id> <NNN>.<colour>_<shape>"
    <root>/train_test_split.txt     "<id> <1|0>" (classification split; unused by the DML split)
    <root>/bounding_boxes.txt       "<id> <x> <y> <w> <h>" of the shape
    <root>/images/<class folder>/<name>.jpg

Byte-deterministic for a given seed and arguments (PIL's JPEG encoder is deterministic).
"""
from __future__ import annotations

import math
import os
import os.path as osp

import numpy as np
from PIL import Image, ImageDraw

__all__ = ['write_synthetic_cub', 'SHAPES', 'COLOURS', 'synthetic_class_of']

SHAPES = ('circle', 'square', 'triangle', 'cross', 'ring', 'diamond')
COLOURS = {'red': (220, 40, 40), 'green': (40, 190, 60), 'blue': (50, 80, 230),
           'yellow': (235, 215, 40), 'magenta': (210, 50, 200), 'cyan': (40, 210, 215)}


def synthetic_class_of(i: int, num_shapes: int, num_colours: int) -> tuple[str, str]:
    """(shape, colour) of class index ``i`` (0-based)."""
    return SHAPES[i % num_shapes], list(COLOURS)[(i + i // num_shapes) % num_colours]


def _polygon(shape: str, cx: float, cy: float, r: float, angle: float) -> list:
    if shape == 'square':
        pts = [(1, 1), (-1, 1), (-1, -1), (1, -1)]
        pts = [(x * 0.8, y * 0.8) for x, y in pts]
    elif shape == 'triangle':
        pts = [(math.cos(a), math.sin(a)) for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
    elif shape == 'diamond':
        pts = [(0, -1), (0.6, 0), (0, 1), (-0.6, 0)]
    elif shape == 'cross':
        w = 0.33
        pts = [(w, 1), (-w, 1), (-w, w), (-1, w), (-1, -w), (-w, -w), (-w, -1), (w, -1),
               (w, -w), (1, -w), (1, w), (w, w)]
    else:
        raise ValueError(shape)
    ca, sa = math.cos(angle), math.sin(angle)
    return [(cx + r * (x * ca - y * sa), cy + r * (x * sa + y * ca)) for x, y in pts]


def _draw(rng: np.random.Generator, size: int, shape: str, colour: tuple) -> tuple:
    # background: grey level + low-frequency tint + pixel noise
    base = rng.uniform(60, 190) + rng.uniform(-25, 25, 3)[None, None]
    yy, xx = np.mgrid[0:size, 0:size] / size
    tint = rng.uniform(-40, 40, 3)[None, None] * np.sin(
        2 * math.pi * (xx * rng.uniform(0.5, 2) + yy * rng.uniform(0.5, 2)))[..., None]
    bg = base + tint + rng.normal(0, 12, (size, size, 3))
    img = Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    r = rng.uniform(0.15, 0.35) * size
    cx, cy = rng.uniform(r, size - r, 2)
    col = tuple(int(np.clip(c + rng.normal(0, 15), 0, 255)) for c in colour)
    angle = rng.uniform(0, 2 * math.pi)
    if shape == 'circle':
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=col)
    elif shape == 'ring':
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=col, width=max(2, int(r * 0.35)))
    else:
        draw.polygon(_polygon(shape, cx, cy, r, angle), fill=col)
    box = (max(cx - r, 0), max(cy - r, 0), min(2 * r, size), min(2 * r, size))
    return img, box


def write_synthetic_cub(root: str, num_classes: int = 12, images_per_class: int = 12,
                        image_size: int = 64, num_shapes: int = 4, num_colours: int = 4,
                        seed: int = 0, quality: int = 90) -> str:
    """Write the synthetic set under ``root`` (created); returns ``root``.

    Args:
        num_classes: Number of (shape, colour) classes, at most ``num_shapes * num_colours``;
            the zero-shot split trains on the first half.
        images_per_class: Images per class.
        image_size: Square image side in pixels.
        num_shapes, num_colours: How many of :data:`SHAPES` / :data:`COLOURS` to combine.
        seed: Random seed.
    """
    if not 1 <= num_shapes <= len(SHAPES) or not 1 <= num_colours <= len(COLOURS):
        raise ValueError(f'num_shapes <= {len(SHAPES)} and num_colours <= {len(COLOURS)}')
    if not 2 <= num_classes <= num_shapes * num_colours:
        raise ValueError(f'num_classes must be in [2, num_shapes * num_colours = '
                         f'{num_shapes * num_colours}], got {num_classes}')
    combos = [synthetic_class_of(i, num_shapes, num_colours) for i in range(num_classes)]
    if len(set(combos)) != len(combos):
        raise ValueError(f'{num_classes} classes repeat a (shape, colour) combination with '
                         f'{num_shapes} shapes x {num_colours} colours; use more of either')
    if images_per_class < 2:
        raise ValueError('images_per_class must be >= 2 (retrieval needs a positive)')
    rng = np.random.default_rng(seed)
    img_dir = osp.join(root, 'images')
    os.makedirs(img_dir, exist_ok=True)
    files = {k: [] for k in ('images', 'image_class_labels', 'classes', 'train_test_split',
                             'bounding_boxes')}
    n = 0
    for c, (shape, colour) in enumerate(combos, 1):
        folder = f'{c:03d}.{colour}_{shape}'
        files['classes'].append(f'{c} {folder}')
        os.makedirs(osp.join(img_dir, folder), exist_ok=True)
        for j in range(images_per_class):
            n += 1
            img, box = _draw(rng, image_size, shape, COLOURS[colour])
            rel = f'{folder}/{colour}_{shape}_{j:04d}.jpg'
            img.save(osp.join(img_dir, rel), quality=quality)
            files['images'].append(f'{n} {rel}')
            files['image_class_labels'].append(f'{n} {c}')
            files['train_test_split'].append(f'{n} {int(j % 2 == 0)}')
            files['bounding_boxes'].append(f'{n} ' + ' '.join(f'{v:.1f}' for v in box))
    for name, lines in files.items():
        with open(osp.join(root, f'{name}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return root
