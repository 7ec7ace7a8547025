"""Synthetic "where does something move" videos in the Kinetics-400 video-list layout.

Each clip (``num_frames`` frames, ``size x size`` RGB, written as a real .mp4 with OpenCV's
MPEG-4 encoder) shows a static textured background and a bar that **moves** in one of four
directions, in one of three colours, at a random place and only during a short window of
``active_frames`` consecutive frames at a random time. The label is (colour, direction): 12
classes, chance 1/12 = 8.3 % (the colour alone gives 25 %, and top-5 = 100 %, so only top-1 is
reported). The evidence is *where and when* something moves: most frames and most of each frame
carry none, so choosing when (temporal selection) and where (spatial
selection) matters. (The class is the direction, not the place: Video Swin has no absolute
position embedding and average-pools its output, so a "which quadrant" label would be
unlearnable for it.)
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np

from .kinetics import TRAIN_LIST, VAL_LIST

_DIRECTION_NAMES = ('moves_right', 'moves_left', 'moves_down', 'moves_up')
_DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0))  # (dy, dx) per direction
COLOURS = {'yellow': (250, 240, 60), 'cyan': (60, 230, 250), 'magenta': (250, 60, 230)}
#: label = colour index * 4 + direction index
CLASSES = tuple(f'{c}_{d}' for c in COLOURS for d in _DIRECTION_NAMES)


def render_clip(label: int, rng: np.random.Generator, num_frames: int = 16, size: int = 32,
                active_frames: int = 6) -> np.ndarray:
    """One clip ``(T, H, W, 3)`` uint8 (RGB) of class ``label``.

    A bar spanning the frame (vertical for horizontal motion, horizontal for vertical motion)
    of width ``size // 4`` moves ``size // 16`` pixels per frame in the class's direction,
    starting at a random place and time; it is absent outside its ``active_frames`` window.
    """
    width, step = max(size // 4, 2), max(size // 16, 1)
    frames = np.full((num_frames, size, size, 3), 40, dtype=np.uint8)
    frames += rng.integers(0, 12, size=(1, size, size, 3), dtype=np.uint8)  # static texture
    vy, vx = _DIRECTIONS[label % len(_DIRECTIONS)]
    colour = list(COLOURS.values())[label // len(_DIRECTIONS)]
    travel = step * (active_frames - 1)
    v = vx + vy  # +1 or -1 along the motion axis
    lo, hi = max(0, -v * travel), size - width - max(0, v * travel)
    p0 = int(rng.integers(lo, hi + 1))
    start = int(rng.integers(0, num_frames - active_frames + 1))
    for j in range(active_frames):
        p = p0 + v * step * j
        if vx:
            frames[start + j, :, p:p + width] = colour
        else:
            frames[start + j, p:p + width, :] = colour
    return frames


def write_mp4(path: str, frames: np.ndarray, fps: int = 8) -> None:
    import cv2
    h, w = frames.shape[1:3]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
    if not writer.isOpened():
        raise RuntimeError(f'OpenCV cannot write {path} (mp4v encoder unavailable).')
    for f in frames:
        writer.write(np.ascontiguousarray(f[:, :, ::-1]))  # OpenCV wants BGR
    writer.release()


def make_synthetic_kinetics(root: str, num_train: int = 192, num_val: int = 96,
                            num_frames: int = 8, size: int = 32, active_frames: int = 6,
                            seed: int = 0) -> None:
    """Write the synthetic set under ``root`` in the Kinetics-400 video-list layout."""
    rng = np.random.default_rng(seed)
    for split, n, lst in (('train', num_train, TRAIN_LIST), ('val', num_val, VAL_LIST)):
        lines = []
        for i in range(n):
            label = i % len(CLASSES)
            rel = f'{CLASSES[label]}/{split}_{i:05d}.mp4'
            path = osp.join(root, f'videos_{split}', rel)
            os.makedirs(osp.dirname(path), exist_ok=True)
            write_mp4(path, render_clip(label, rng, num_frames, size, active_frames))
            lines.append(f'{rel} {label}\n')
        with open(osp.join(root, lst), 'w') as f:
            f.writelines(lines)
