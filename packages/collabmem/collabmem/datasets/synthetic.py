"""A synthetic set on which no single clip determines the label, written in the released
Something-Something V1 layout (read by ``cvshared.datasets.something.SthV1Dataset``)::

    <root>/20bn-something-something-v1/<id>/00001.jpg ... 00024.jpg
    <root>/something-something-v1-labels.csv        'same colour', 'different colour'
    <root>/something-something-v1-{train,validation}.csv   "<id>;<class name>"

Each video has ``24`` frames of ``16 x 16``: frames 1-10 are tinted with colour ``a``, frames
11-13 are grey, frames 14-24 are tinted with colour ``b`` (``a, b`` each red or green, drawn
independently, on a random texture with noise). The label is ``a XOR b`` ("different colour").
A clip of 4 consecutive frames never shows both colours (that needs a span of 5 frames), and
``SampleFrames(clip_len=4, num_clips=2)`` puts one clip in each half, so a clip tells its own
colour only: the label is fixed by two clips together. A clip-level model (one clip per video
and iteration, clip scores averaged at test) cannot represent XOR as a sum of per-clip scores
(``g(0) + g(0) < 0``, ``g(1) + g(1) < 0`` imply ``g(0) + g(1) < 0``), so it stays at chance;
the collaborative memory lets each clip see the other one.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from PIL import Image

CLASSES = ('same colour', 'different colour')
NUM_FRAMES, FIRST_END, SECOND_START = 24, 10, 13    # a: frames [0, 10), b: [13, 24)
COLOURS = (np.array([1.0, 0.25, 0.25]), np.array([0.25, 1.0, 0.25]))   # red, green
GREY = np.array([0.6, 0.6, 0.6])


def render_video(rng: np.random.Generator, a: int, b: int, size: int = 16,
                 num_frames: int = NUM_FRAMES) -> np.ndarray:
    """``(num_frames, size, size, 3)`` uint8: colour ``a``, then grey, then colour ``b``."""
    texture = rng.uniform(0.4, 1.0, (size, size, 1))
    frames = []
    for t in range(num_frames):
        tint = COLOURS[a] if t < FIRST_END else COLOURS[b] if t >= SECOND_START else GREY
        rgb = texture * tint * rng.uniform(0.7, 1.0) + rng.normal(0, 0.08, (size, size, 3))
        frames.append((np.clip(rgb, 0, 1) * 255).astype(np.uint8))
    return np.stack(frames)


def make_synthetic(root: str, num_train: int = 64, num_val: int = 32, size: int = 16,
                   seed: int = 0) -> None:
    """Write the set (balanced: the four (a, b) pairs in turn) under ``root``."""
    rng = np.random.default_rng(seed)
    frame_root = osp.join(root, '20bn-something-something-v1')
    os.makedirs(frame_root, exist_ok=True)
    with open(osp.join(root, 'something-something-v1-labels.csv'), 'w') as f:
        f.write('\n'.join(CLASSES) + '\n')
    index = 0
    for split, n in (('train', num_train), ('validation', num_val)):
        lines = []
        for k in range(n):
            a, b = (k % 4) // 2, k % 2
            vid = f'{index:05d}'
            index += 1
            folder = osp.join(frame_root, vid)
            os.makedirs(folder, exist_ok=True)
            for t, frame in enumerate(render_video(rng, a, b, size)):
                Image.fromarray(frame).save(osp.join(folder, f'{t + 1:05d}.jpg'), quality=95)
            lines.append(f'{vid};{CLASSES[a ^ b]}')
        with open(osp.join(root, f'something-something-v1-{split}.csv'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
