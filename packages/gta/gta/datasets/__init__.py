"""Data of gta: the shared readers (SS-V1 frame folders + csv and SS-V2 webm + json in
:mod:`cvshared.datasets.something`, Kinetics-400 video lists in :mod:`cvshared.datasets.action`)
and a synthetic long-range temporal ORDER set in the SS-V2 layout.

The synthetic task (ours, built so that GTA's mechanism is needed): a clip of ``T`` frames of a
static random background (drawn per video); in one frame a red square appears, in another one a
blue square, at random places, at least ``min_gap`` frames apart. Class 0: red comes first;
class 1: blue comes first. Every frame alone is uninformative, and so is the bag of frames: a
class-0 clip with red at ``i`` and blue at ``j`` has exactly the frames of the class-1 clip with
blue at ``i`` and red at ``j``, and the unordered pair ``{i, j}`` is drawn the same way for both
classes; only the ORDER of two frames far apart carries the label.
"""
from __future__ import annotations

import json
import os
import os.path as osp

import numpy as np
from cvshared.datasets.action import kinetics_tree
from cvshared.datasets.something import sthv1_tree, sthv2_tree
from cvshared.datasets.something_synthetic import write_webms

__all__ = ['render_order_clip', 'order_pairs', 'make_synthetic', 'check_layout', 'SYNTHETIC',
           'TEMPLATES']

# the synthetic set of the synthetic config and of `make reproduce PAPER=gta`: 8 frames of
# 32 x 32, 2 classes, events >= 4 frames apart, per class 48 train / 16 val videos
SYNTHETIC = dict(num_train=48, num_val=16, num_frames=8, size=(32, 32), min_gap=4, square=8)
TEMPLATES = ('Showing [something] red before blue', 'Showing [something] blue before red')
RED, BLUE = (230, 40, 40), (40, 40, 230)


def order_pairs(num_frames: int, min_gap: int) -> list[tuple[int, int]]:
    """All frame pairs ``(i, j)``, ``i < j``, at least ``min_gap`` apart."""
    pairs = [(i, j) for i in range(num_frames) for j in range(i + min_gap, num_frames)]
    if not pairs:
        raise ValueError(f'no two of {num_frames} frames are {min_gap} apart')
    return pairs


def render_order_clip(rng: np.random.Generator, label: int, num_frames: int = 8,
                      size: tuple[int, int] = (32, 32), min_gap: int = 4,
                      square: int = 8) -> np.ndarray:
    """One clip ``(T, H, W, 3)`` RGB uint8 of the order task (module docstring): ``label`` 0 =
    red first, 1 = blue first. The unordered pair of event frames, their places and the
    background do not depend on ``label``."""
    h, w = size
    pairs = order_pairs(num_frames, min_gap)
    first, second = pairs[int(rng.integers(len(pairs)))]
    base = rng.uniform(60, 190)
    background = np.clip(base + rng.normal(0, 18, (h, w, 1)) + rng.uniform(-15, 15, 3), 0, 255)
    clip = np.repeat(background[None], num_frames, 0)
    colours = (RED, BLUE) if label == 0 else (BLUE, RED)
    for frame, colour in zip((first, second), colours):
        y, x = int(rng.integers(0, h - square + 1)), int(rng.integers(0, w - square + 1))
        clip[frame, y:y + square, x:x + square] = colour
    return clip.astype(np.uint8)


def make_synthetic(root: str, seed: int = 0, num_train: int | None = None,
                   num_val: int | None = None, **kwargs) -> dict:
    """Write the order set (:data:`SYNTHETIC`, overridable) at ``root`` in the released SS-V2
    layout (``20bn-something-something-v2/<id>.webm``, ``labels/*.json``), read by
    ``cvshared.datasets.something.SthV2Dataset``. Returns ``{id: label}``."""
    cfg = {**SYNTHETIC, **kwargs}
    num_train = cfg.pop('num_train') if num_train is None else num_train
    num_val = cfg.pop('num_val') if num_val is None else num_val
    cfg.pop('num_train', None), cfg.pop('num_val', None)
    rng = np.random.default_rng(seed)
    video_dir, label_dir = osp.join(root, '20bn-something-something-v2'), osp.join(root, 'labels')
    os.makedirs(video_dir, exist_ok=True)
    os.makedirs(label_dir, exist_ok=True)
    lists: dict = {'train': [], 'validation': []}
    jobs, videos, vid = [], {}, 1000
    for split, per_class in (('train', num_train), ('validation', num_val)):
        for _ in range(per_class):
            for label, template in enumerate(TEMPLATES):  # interleaved: order carries nothing
                vid += 1
                jobs.append((osp.join(video_dir, f'{vid}.webm'), render_order_clip(
                    rng, label, cfg['num_frames'], tuple(cfg['size']), cfg['min_gap'],
                    cfg['square'])))
                lists[split].append({'id': str(vid),
                                     'label': template.replace('[something]', 'squares').lower(),
                                     'template': template, 'placeholders': ['squares']})
                videos[str(vid)] = label
    write_webms(jobs)
    contents = {
        'labels': {t.replace('[', '').replace(']', ''): str(i) for i, t in enumerate(TEMPLATES)},
        'train': lists['train'], 'validation': lists['validation'],
        'test': [{'id': e['id']} for e in lists['validation']]}
    for key, value in contents.items():
        with open(osp.join(label_dir, f'something-something-v2-{key}.json'), 'w') as f:
            json.dump(value, f, indent=1)
    return videos


_FILES = {
    'sthv2': ('labels/something-something-v2-labels.json',
              'labels/something-something-v2-train.json',
              'labels/something-something-v2-validation.json',
              '20bn-something-something-v2'),
    'sthv1': ('something-something-v1-labels.csv', 'something-something-v1-train.csv',
              'something-something-v1-validation.csv', '20bn-something-something-v1'),
    'kinetics400': ('kinetics400_train_list_videos.txt', 'kinetics400_val_list_videos.txt',
                    'videos_train', 'videos_val'),
}
_TREES = {'sthv1': sthv1_tree, 'sthv2': sthv2_tree, 'kinetics400': kinetics_tree}


def check_layout(data_root: str, dataset: str) -> None:
    """Raise ``FileNotFoundError`` showing the official tree when ``data_root`` lacks a file
    of ``dataset`` (``'sthv1'``, ``'sthv2'`` or ``'kinetics400'``)."""
    if dataset not in _FILES:
        raise ValueError(f'unknown data set {dataset!r}: one of {sorted(_FILES)}')
    missing = [f for f in _FILES[dataset] if not osp.exists(osp.join(data_root, f))]
    if missing:
        raise FileNotFoundError(f'{dataset} not found under {data_root} (missing: '
                                f'{", ".join(missing)}); expected:\n{_TREES[dataset](data_root)}')
