"""The synthetic set: a tiny webly supervised fine-grained task with injected label noise, in
the released layout (web training folders) plus a clean test set in the CUB-200-2011 layout
(read by ``cvshared.datasets.finegrained.CUB200Classification`` and aligned by class name,
as the paper configs read the real clean test sets)::

    <root>/web/train/<NNN.Class_n>/<i>.png          40 % of the labels flipped (symmetric)
    <root>/web/noise.txt                            "<rel path> <true label> <web label>"
    <root>/CUB_200_2011/{classes.txt, images.txt, image_class_labels.txt,
                         train_test_split.txt, images/<NNN.Class_n>/*.png}   clean

Each class is an orientation of a grating (random frequency, phase and colour, pixel noise):
the classes differ in the spatial correlation of the pixels, not in their mean colour.
Deterministic per seed.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from PIL import Image


def class_name(c: int) -> str:
    """The folder / CUB name of 0-based class ``c`` (CUB's ``NNN.name`` form)."""
    return f'{c + 1:03d}.Class_{c + 1}'


def texture(rng: np.random.Generator, label: int, num_classes: int, size: int,
            noise: float = 0.3) -> np.ndarray:
    """One ``size x size x 3`` uint8 image of class ``label``: a grating whose orientation is
    the class (``pi label / num_classes``), random frequency, phase and colour, plus noise."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    angle = np.pi * label / num_classes
    freq = rng.uniform(2.0, 3.0)
    phase = rng.uniform(0, 2 * np.pi)
    wave = np.sin(2 * np.pi * freq * (xx * np.cos(angle) + yy * np.sin(angle)) + phase)
    color = rng.uniform(0.4, 1.0, 3)
    img = 0.5 * (1 + wave)[..., None] * color + rng.normal(0, noise, (size, size, 3))
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def synthetic_arrays(num_classes: int = 6, per_class: int = 40, size: int = 16,
                     noise_rate: float = 0.4, seed: int = 0, test_per_class: int = 20):
    """``(train_images, web_labels, true_labels, test_images, test_labels)``: uint8 arrays
    ``(N, size, size, 3)`` and int arrays. A ``noise_rate`` share of the training labels
    (exactly ``round(noise_rate * N)``, chosen at random) is replaced by a uniformly drawn
    *other* class (symmetric noise)."""
    rng = np.random.default_rng(seed)
    true = np.repeat(np.arange(num_classes), per_class)
    train = np.stack([texture(rng, int(c), num_classes, size) for c in true])
    web = true.copy()
    flip = rng.permutation(true.size)[:int(round(noise_rate * true.size))]
    web[flip] = (true[flip] + rng.integers(1, num_classes, flip.size)) % num_classes
    test_labels = np.repeat(np.arange(num_classes), test_per_class)
    test = np.stack([texture(rng, int(c), num_classes, size) for c in test_labels])
    return train, web, true, test, test_labels


def make_synthetic(root: str, num_classes: int = 6, per_class: int = 40, size: int = 16,
                   noise_rate: float = 0.4, seed: int = 0, test_per_class: int = 20) -> None:
    """Write the tree of the module docstring under ``root``."""
    train, web, true, test, test_labels = synthetic_arrays(num_classes, per_class, size,
                                                           noise_rate, seed, test_per_class)
    lines = []
    for i, (image, label, t) in enumerate(zip(train, web, true)):
        rel = osp.join('train', class_name(int(label)), f'{i:05d}.png')
        os.makedirs(osp.join(root, 'web', osp.dirname(rel)), exist_ok=True)
        Image.fromarray(image).save(osp.join(root, 'web', rel))
        lines.append(f'{rel} {t} {label}')
    with open(osp.join(root, 'web', 'noise.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    cub = osp.join(root, 'CUB_200_2011')
    os.makedirs(cub, exist_ok=True)
    classes = [f'{c + 1} {class_name(c)}' for c in range(num_classes)]
    images, labels, split = [], [], []
    for i, (image, label) in enumerate(zip(test, test_labels), 1):
        rel = f'{class_name(int(label))}/test_{i:05d}.png'
        os.makedirs(osp.join(cub, 'images', osp.dirname(rel)), exist_ok=True)
        Image.fromarray(image).save(osp.join(cub, 'images', rel))
        images.append(f'{i} {rel}')
        labels.append(f'{i} {label + 1}')
        split.append(f'{i} 0')   # 0 = test in train_test_split.txt
    for name, rows in (('classes.txt', classes), ('images.txt', images),
                       ('image_class_labels.txt', labels), ('train_test_split.txt', split)):
        with open(osp.join(cub, name), 'w') as f:
            f.write('\n'.join(rows) + '\n')
