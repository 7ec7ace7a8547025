"""CIFAR-10/100 in the official python-pickle layout (mmpretrain's ``CIFAR10`` / ``CIFAR100``
read it; we add the layout check with the expected tree and the synthetic variant)::

    <data_root>/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}
    <data_root>/cifar-100-python/{train, test, meta}

ImageNet (the KD configs) is mmpretrain's ``ImageNet`` in its layout
(``train/<wnid>/*.JPEG``, ``val/<wnid>/*.JPEG`` or ``meta/val.txt``).
"""
from __future__ import annotations

import os.path as osp

from mmpretrain.datasets import CIFAR10

from ..registry import DATASETS

LAYOUTS = {
    'cifar10': ('cifar-10-batches-py',
                [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch', 'batches.meta']),
    'cifar100': ('cifar-100-python', ['train', 'test', 'meta']),
    'imagenet': ('', ['train', 'val']),
}


def expected_tree(name: str) -> str:
    folder, files = LAYOUTS[name]
    prefix = f'  {folder}/\n' if folder else ''
    pad = '    ' if folder else '  '
    return '<data_root>/\n' + prefix + ''.join(f'{pad}{f}\n' for f in files)


def check_layout(data_root: str, name: str) -> None:
    """Raise ``FileNotFoundError`` naming the first missing entry and showing the tree."""
    folder, files = LAYOUTS[name]
    for f in files:
        path = osp.join(data_root, folder, f)
        if not osp.exists(path):
            raise FileNotFoundError(
                f'{name} data set not found: {path} is missing. Expected (the official '
                f'layout):\n{expected_tree(name)}(set DATA_ROOT to the folder holding '
                f'{folder or "train/ and val/"}, or run without it for the synthetic set)')


@DATASETS.register_module()
class SyntheticCIFAR10(CIFAR10):  # candidate for cvshared (CIFAR-layout synthetic sets)
    """mmpretrain's ``CIFAR10`` without the md5 checks of the released files, for the
    synthetic set that :func:`dkl.datasets.make_synthetic` writes in the same layout. A
    missing file raises ``FileNotFoundError`` with the expected tree (never a download)."""

    train_list = [[f, None] for f in LAYOUTS['cifar10'][1][:5]]
    test_list = [['test_batch', None]]
    meta = dict(CIFAR10.meta, md5=None)

    def __init__(self, data_root: str = '', split: str = 'train', **kwargs):
        check_layout(data_root, 'cifar10')
        kwargs['download'] = False
        super().__init__(data_root=data_root, split=split, **kwargs)
