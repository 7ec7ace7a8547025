"""A synthetic CIFAR-10 in the official python-pickle layout (:mod:`.cifar`), made for
adversarial training: each of 10 classes is a smooth colour pattern (a class-specific mix of
low-frequency cosines per channel), added with a random sign-free amplitude to a random grey
level, plus pixel noise. The class signal is spread over the whole image, so a bounded
L-inf perturbation can hide it only partly: robust accuracy is possible and differs between
training methods. Deterministic per seed.
"""
from __future__ import annotations

import os
import os.path as osp
import pickle

import numpy as np

NUM_CLASSES = 10
NAMES = [f'pattern{i}' for i in range(NUM_CLASSES)]


def class_templates(size: int = 32, seed: int = 1234) -> np.ndarray:
    """``(10, size, size, 3)`` zero-mean patterns of unit RMS."""
    rng = np.random.default_rng(seed)
    yy, xx = np.meshgrid(np.arange(size) / size, np.arange(size) / size, indexing='ij')
    out = np.zeros((NUM_CLASSES, size, size, 3))
    for c in range(NUM_CLASSES):
        for ch in range(3):
            for _ in range(3):
                fy, fx = rng.integers(0, 3, 2)
                phase = rng.uniform(0, 2 * np.pi)
                out[c, :, :, ch] += rng.normal() * np.cos(2 * np.pi * (fy * yy + fx * xx)
                                                          + phase)
        out[c] -= out[c].mean()
        out[c] /= np.sqrt((out[c] ** 2).mean())
    return out


def synthetic_images(n: int, rng: np.random.Generator, size: int = 32,
                     amplitude: float = 0.08, noise: float = 0.08):
    """``n`` images (uint8, N x H x W x 3) and balanced labels."""
    templates = class_templates(size)
    labels = np.arange(n) % NUM_CLASSES
    rng.shuffle(labels)
    grey = rng.uniform(0.35, 0.65, (n, 1, 1, 1))
    scale = amplitude * rng.uniform(0.7, 1.3, (n, 1, 1, 1))
    images = grey + scale * templates[labels] + rng.normal(0, noise, (n, size, size, 3))
    return (np.clip(images, 0, 1) * 255).round().astype(np.uint8), labels


def _dump(path: str, obj: dict) -> None:
    with open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=2)


def make_synthetic(root: str, num_train: int = 500, num_test: int = 250, seed: int = 0,
                   amplitude: float = 0.06, noise: float = 0.08) -> None:
    """Write ``<root>/cifar-10-batches-py/`` (5 train batches, ``test_batch``,
    ``batches.meta``) as the released CIFAR-10: ``data`` (N, 3072) uint8 channel-major rows,
    ``labels`` a list."""
    rng = np.random.default_rng(seed)
    folder = osp.join(root, 'cifar-10-batches-py')
    os.makedirs(folder, exist_ok=True)
    train, train_labels = synthetic_images(num_train, rng, amplitude=amplitude, noise=noise)
    test, test_labels = synthetic_images(num_test, rng, amplitude=amplitude, noise=noise)

    def rows(images):
        return images.transpose(0, 3, 1, 2).reshape(len(images), -1)

    for i, part in enumerate(np.array_split(np.arange(num_train), 5)):
        _dump(osp.join(folder, f'data_batch_{i + 1}'),
              dict(batch_label=f'synthetic training batch {i + 1} of 5',
                   labels=[int(v) for v in train_labels[part]], data=rows(train[part]),
                   filenames=[f'train_{j:05d}.png' for j in part]))
    _dump(osp.join(folder, 'test_batch'),
          dict(batch_label='synthetic testing batch 1 of 1',
               labels=[int(v) for v in test_labels], data=rows(test),
               filenames=[f'test_{j:05d}.png' for j in range(num_test)]))
    _dump(osp.join(folder, 'batches.meta'),
          dict(label_names=NAMES, num_cases_per_batch=num_train // 5, num_vis=3072))
