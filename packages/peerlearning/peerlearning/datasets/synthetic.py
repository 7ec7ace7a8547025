"""Synthetic data set in the benchmark's layout (:mod:`.folder`): stripes, horizontal or
vertical, random period and phase, Gaussian noise; deterministic per seed. TODO: a synthetic
task that exercises what the paper's method is for."""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from PIL import Image

from .folder import CLASSES


def stripes(rng: np.random.Generator, vertical: bool, size: int) -> np.ndarray:
    period = rng.uniform(4, 8)
    phase = rng.uniform(0, 2 * np.pi)
    coords = np.arange(size)
    wave = 0.5 + 0.5 * np.sin(2 * np.pi * coords / period + phase)
    image = np.tile(wave[None, :], (size, 1)) if vertical else np.tile(wave[:, None], (1, size))
    color = rng.uniform(0.3, 1.0, 3)
    rgb = image[..., None] * color + rng.normal(0, 0.1, (size, size, 3))
    return (np.clip(rgb, 0, 1) * 255).astype(np.uint8)


def make_synthetic(root: str, num_train: int = 64, num_val: int = 32, size: int = 32,
                   seed: int = 0) -> None:
    """Write ``<root>/{train,val}/{horizontal,vertical}/<i>.png`` (balanced classes)."""
    rng = np.random.default_rng(seed)
    for split, n in (('train', num_train), ('val', num_val)):
        for index in range(n):
            label = index % len(CLASSES)
            folder = osp.join(root, split, CLASSES[label])
            os.makedirs(folder, exist_ok=True)
            Image.fromarray(stripes(rng, bool(label), size)).save(
                osp.join(folder, f'{index:04d}.png'))
