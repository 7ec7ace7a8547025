"""The data set in its on-disk layout. TODO: the benchmark's OFFICIAL layout, exactly::

    <data_root>/
      train/<class name>/<image>.png
      val/<class name>/<image>.png
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset
from mmengine.structures import BaseDataElement
from PIL import Image

from ..registry import DATASETS, TRANSFORMS

CLASSES = ('horizontal', 'vertical')
TREE = """<data_root>/
  train/
    horizontal/*.png
    vertical/*.png
  val/
    horizontal/*.png
    vertical/*.png"""


def check_layout(data_root: str, split: str) -> None:
    """Raise ``FileNotFoundError`` naming what is missing and showing the expected tree."""
    for name in CLASSES:
        folder = osp.join(data_root, split, name)
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'peerlearning data set not found: {folder} is missing. Expected:\n{TREE}\n'
                f'(set DATA_ROOT to the data set root, or run without it for the synthetic set)')


@DATASETS.register_module()
class PeerlearningFolderDataset(BaseDataset):
    """One sample per image of ``<data_root>/<split>/<class>/``; ``label`` = class index."""

    METAINFO = dict(classes=CLASSES)

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        self.split = split
        super().__init__(data_root=data_root, serialize_data=False, **kwargs)

    def load_data_list(self):
        check_layout(self.data_root, self.split)
        data_list = []
        for label, name in enumerate(CLASSES):
            folder = osp.join(self.data_root, self.split, name)
            for file in sorted(os.listdir(folder)):
                if file.endswith('.png'):
                    data_list.append(dict(img_path=osp.join(folder, file), label=label))
        if not data_list:
            raise FileNotFoundError(f'no .png images under {self.data_root}/{self.split}/')
        return data_list


@TRANSFORMS.register_module()
class PeerlearningLoadImage(BaseTransform):
    """Reads ``img_path`` as RGB float ``img`` in [0, 1], ``(3, H, W)``."""

    def transform(self, results: dict) -> dict:
        try:
            with Image.open(results['img_path']) as im:
                array = np.asarray(im.convert('RGB'), dtype=np.float32) / 255
        except OSError as err:
            raise OSError(f'cannot read image {results["img_path"]}: {err}') from err
        results['img'] = torch.from_numpy(array).permute(2, 0, 1).contiguous()
        return results


@TRANSFORMS.register_module()
class PeerlearningPackInputs(BaseTransform):
    """``dict(inputs=img, data_samples=BaseDataElement(label, img_path))`` (a data element,
    not a dict, so that ``pseudo_collate`` keeps one per sample)."""

    def transform(self, results: dict) -> dict:
        return dict(inputs=results['img'],
                    data_samples=BaseDataElement(label=results['label'],
                                                 img_path=results['img_path']))
