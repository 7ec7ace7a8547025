"""Data of selfy: the shared Something-Something readers (:mod:`cvshared.datasets.something`,
the official SS-V1 frame folders + csv and SS-V2 webm + json layouts) and the shared motion-only
synthetic set in the SS-V2 layout (:func:`cvshared.datasets.something_synthetic.
write_synthetic_sthv2`). This module adds the two functions :mod:`selfy.paper` needs."""
from __future__ import annotations

import os.path as osp

from cvshared.datasets.action import diving48_tree, finegym_tree
from cvshared.datasets.something import sthv1_tree, sthv2_tree
from cvshared.datasets.something_synthetic import write_synthetic_sthv2

__all__ = ['make_synthetic', 'check_layout', 'SYNTHETIC']

# The synthetic set of the synthetic config and of `make reproduce PAPER=selfy`: 4 classes
# (right / left / down / up at 2 px per frame), 64 x 64, 16 frames, per class 24 train / 8 val.
SYNTHETIC = dict(num_classes=4, num_train=24, num_val=8, num_frames=16, size=(64, 64))

_FILES = {
    'sthv2': ('labels/something-something-v2-labels.json',
              'labels/something-something-v2-train.json',
              'labels/something-something-v2-validation.json',
              '20bn-something-something-v2'),
    'sthv1': ('something-something-v1-labels.csv', 'something-something-v1-train.csv',
              'something-something-v1-validation.csv', '20bn-something-something-v1'),
    'diving48': ('Diving48_V2_train.json', 'Diving48_V2_test.json', 'Diving48_vocab.json', 'rgb'),
    'gym99': ('annotations/gym99_train_element_v1.1.txt', 'annotations/gym99_val_element.txt',
              'subactions'),
}
_TREES = {'sthv1': sthv1_tree, 'sthv2': sthv2_tree, 'diving48': diving48_tree,
          'gym99': finegym_tree}


def make_synthetic(root: str, seed: int = 0, **kwargs) -> None:
    """Write the synthetic SS-V2-layout motion set (:data:`SYNTHETIC`, overridable) at
    ``root``."""
    write_synthetic_sthv2(root, seed=seed, **{**SYNTHETIC, **kwargs})


def check_layout(data_root: str, dataset: str) -> None:
    """Raise ``FileNotFoundError`` showing the official tree when ``data_root`` lacks a file
    of ``dataset`` (``'sthv1'``, ``'sthv2'``, ``'diving48'`` or ``'gym99'``)."""
    if dataset not in _FILES:
        raise ValueError(f'unknown data set {dataset!r}: one of {sorted(_FILES)}')
    missing = [f for f in _FILES[dataset] if not osp.exists(osp.join(data_root, f))]
    if missing:
        tree = _TREES[dataset](data_root)
        raise FileNotFoundError(f'{dataset} not found under {data_root} (missing: '
                                f'{", ".join(missing)}); expected:\n{tree}')
