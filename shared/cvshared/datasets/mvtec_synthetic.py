"""A synthetic data set in the MVTec AD layout, for tests and for ``make reproduce`` without data.

Each category is a colour texture family (a sum of oriented sinusoidal gratings plus smooth
noise); every image draws a new phase and noise, so "normal" is a distribution, not one
picture. Defective test images get one of the defect types below painted onto a normal image,
and the painted pixels are written as the ground-truth mask:

* ``blob``: an ellipse filled with the same texture, gratings rotated by 90 degrees;
* ``scratch``: a thick polyline, flat, in the texture's mean colour.

Both keep the category's colours and contrast, so an untrained model (whose score mostly
tracks feature energy) does not find them; a model that learnt the texture does.

The output is byte-for-byte deterministic for a given ``seed`` (NumPy ``default_rng``) and uses
the same tree as :mod:`cvshared.datasets.mvtec` reads::

    <root>/<category>/train/good/000.png
    <root>/<category>/test/good/000.png
    <root>/<category>/test/<defect>/000.png
    <root>/<category>/ground_truth/<defect>/000_mask.png   (mask_suffix, '.png' for VisA)

Command line: ``python -m cvshared.datasets.mvtec_synthetic OUT_DIR [--size 128]``.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import zlib
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

DEFECT_TYPES = ('blob', 'scratch')


def _smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Bilinearly up-sampled uniform noise in [0, 1] with about ``cells`` cells per side."""
    coarse = rng.random((cells + 1, cells + 1)).astype(np.float32)
    img = Image.fromarray((coarse * 255).astype(np.uint8)).resize((size, size), Image.BILINEAR)
    return np.asarray(img, dtype=np.float32) / 255.0


class _TextureFamily:
    """Fixed parameters of one category's texture; ``sample`` draws one normal image."""

    def __init__(self, rng: np.random.Generator):
        self.freqs = rng.uniform(3.0, 9.0, size=3)
        self.angles = rng.uniform(0, np.pi, size=3)
        self.amps = rng.uniform(0.3, 1.0, size=3)
        self.colors = rng.uniform(0.2, 0.8, size=(2, 3)).astype(np.float32)

    def sample(self, rng: np.random.Generator, size: int, angle_offset: float = 0.0
               ) -> np.ndarray:
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
        field = np.zeros((size, size), np.float32)
        for f, a, amp in zip(self.freqs, self.angles + angle_offset, self.amps):
            phase = rng.uniform(0, 2 * np.pi)
            field += amp * np.sin(2 * np.pi * f * (xx * np.cos(a) + yy * np.sin(a)) + phase)
        field = (field - field.min()) / (np.ptp(field) + 1e-6)
        field = 0.8 * field + 0.2 * _smooth_noise(rng, size, 6)
        img = self.colors[0] * field[..., None] + self.colors[1] * (1 - field[..., None])
        img += rng.normal(0, 0.02, size=img.shape).astype(np.float32)
        return np.clip(img * 255, 0, 255).astype(np.uint8)


def _paint_defect(rng: np.random.Generator, family: _TextureFamily, img: np.ndarray,
                  defect: str) -> tuple[np.ndarray, np.ndarray]:
    """Paint one defect; defects keep the category's colours and contrast, so they are not
    simply brighter or busier than normal texture (an untrained model does not find them)."""
    size = img.shape[0]
    mask_img = Image.new('L', (size, size), 0)
    draw = ImageDraw.Draw(mask_img)
    if defect == 'blob':
        rx, ry = rng.uniform(0.08, 0.18, size=2) * size
        cx, cy = rng.uniform(0.25, 0.75, size=2) * size
        draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=255)
        # the same texture with rotated gratings: a local change of orientation
        patch = family.sample(rng, size, angle_offset=np.pi / 2)
    elif defect == 'scratch':
        pts = [tuple(rng.uniform(0.15, 0.85, size=2) * size) for _ in range(3)]
        draw.line(pts, fill=255, width=max(2, size // 24))
        # a flat line in the texture's mean colour: no edges inside, little energy
        patch = np.broadcast_to(family.colors.mean(0) * 255, img.shape)
    else:
        raise ValueError(f'unknown defect type {defect!r}; known: {DEFECT_TYPES}')
    mask = np.asarray(mask_img) > 0
    out = img.copy()
    out[mask] = np.clip(patch[mask], 0, 255).astype(np.uint8)
    return out, mask


def _save(path: str, array: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)


def write_synthetic_mvtec(root: str, categories: Sequence[str] = ('synthetic_texture',),
                          image_size: int = 128, num_train: int = 32, num_test_good: int = 12,
                          num_test_defect: int = 6, defect_types: Sequence[str] = DEFECT_TYPES,
                          seed: int = 0, mask_suffix: str = '_mask.png') -> str:
    """Write the synthetic data set under ``root`` and return ``root``.

    Args:
        root: Output folder (created); existing files of the same names are overwritten.
        categories: Category folder names; each gets its own texture family.
        image_size: Side of the square images in pixels.
        num_train: Normal training images per category.
        num_test_good: Normal test images per category.
        num_test_defect: Defective test images per defect type and category.
        defect_types: Subset of :data:`DEFECT_TYPES`.
        seed: Seed of the generator; the same seed writes the same bytes.
        mask_suffix: ``'_mask.png'`` for MVTec AD, ``'.png'`` for VisA's 1cls split.
    """
    for category in categories:
        # A stable per-category stream (str hash is salted per process, crc32 is not).
        rng = np.random.default_rng([seed, zlib.crc32(category.encode())])
        family = _TextureFamily(rng)
        cat = osp.join(root, category)
        for i in range(num_train):
            _save(osp.join(cat, 'train', 'good', f'{i:03d}.png'), family.sample(rng, image_size))
        for i in range(num_test_good):
            _save(osp.join(cat, 'test', 'good', f'{i:03d}.png'), family.sample(rng, image_size))
        for defect in defect_types:
            for i in range(num_test_defect):
                img, mask = _paint_defect(rng, family, family.sample(rng, image_size), defect)
                _save(osp.join(cat, 'test', defect, f'{i:03d}.png'), img)
                _save(osp.join(cat, 'ground_truth', defect, f'{i:03d}{mask_suffix}'),
                      mask.astype(np.uint8) * 255)
    return root


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir')
    parser.add_argument('--categories', nargs='+', default=['synthetic_texture'])
    parser.add_argument('--size', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    write_synthetic_mvtec(args.out_dir, args.categories, image_size=args.size, seed=args.seed)
    print(f'wrote the synthetic MVTec-layout data set to {args.out_dir}')


if __name__ == '__main__':
    main()
