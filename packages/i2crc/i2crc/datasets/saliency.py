"""VOC with saliency maps in the layout of I2CRC's released ``saliency_aug.tar.gz``.

The official loader (``classification/utils/LoadData.py``, ``VOCDataset.__getitem__``) reads
``<saliency root>/saliency_aug/<image name>.png`` with ``cv2.imread(path, 0)`` (one grey
channel, 0..255), divides by 255 and resizes it to 256 x 256 by nearest neighbour, whatever
the image's size; ``gen_gt.py`` reads the same PNGs (0..255) at the image's size. The
official repository does not say which saliency detector made the released maps.

Our layout: the ``saliency_aug`` folder inside the VOC root (``saliency_dir`` may name another
folder, relative to ``data_root`` or absolute)::

    <data_root>/                      (VOCdevkit/VOC2012)
      JPEGImages/<name>.jpg
      Annotations/<name>.xml
      SegmentationClassAug/<name>.png
      ImageSets/Segmentation/train_aug.txt
      saliency_aug/<name>.png         grey 0..255, the image's size

:class:`I2crcSaliencyDataset` adds ``sal_path`` to each ``VOCWSSSDataset`` sample; an image
without its saliency map is an error naming the file and showing this tree.
:class:`I2crcLoadSaliency` reads it, :class:`I2crcColorJitter` is the official colour jitter,
:class:`I2crcPackInputs` packs image, image labels, saliency and (optionally) the mask.
"""
from __future__ import annotations

import os.path as osp

import cv2
import numpy as np
import torch
from cvshared.datasets.voc import VOCWSSSDataset
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from ..registry import DATASETS, TRANSFORMS

SALIENCY_DIR = 'saliency_aug'
SALIENCY_TREE = """<data_root>/
  JPEGImages/<name>.jpg
  Annotations/<name>.xml
  ImageSets/Segmentation/train_aug.txt
  saliency_aug/<name>.png      (grey 0..255, the image's size: I2CRC's released
                                saliency_aug.tar.gz, unpacked into the VOC root)"""


def saliency_path(data_root: str, saliency_dir: str, name: str) -> str:
    folder = saliency_dir if osp.isabs(saliency_dir) else osp.join(data_root, saliency_dir)
    return osp.join(folder, name + '.png')


def read_saliency(path: str) -> np.ndarray:
    """``uint8 H x W`` saliency (``cv2.IMREAD_GRAYSCALE``, as the official loader)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'saliency map {path!r} not found. Expected:\n{SALIENCY_TREE}')
    sal = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if sal is None:
        raise OSError(f'cannot decode the saliency map {path!r} (a grey PNG, 0..255)')
    return sal


@DATASETS.register_module()
class I2crcSaliencyDataset(VOCWSSSDataset):
    """``VOCWSSSDataset`` + ``sal_path`` per sample (module docstring).

    Args:
        saliency_dir: Folder of ``<name>.png`` saliency maps (default ``saliency_aug``,
            relative to ``data_root``).
        Other arguments as ``VOCWSSSDataset``.
    """

    def __init__(self, saliency_dir: str = SALIENCY_DIR, **kwargs):
        self.saliency_dir = saliency_dir
        super().__init__(**kwargs)

    def load_data_list(self) -> list[dict]:
        data_list = super().load_data_list()
        for info in data_list:
            path = saliency_path(self.data_root, self.saliency_dir, info['img_name'])
            if not osp.isfile(path):
                raise FileNotFoundError(f'image {info["img_path"]} has no saliency map: '
                                        f'{path!r} not found. Expected:\n{SALIENCY_TREE}')
            info['sal_path'] = path
        return data_list


@TRANSFORMS.register_module()
class I2crcLoadSaliency(BaseTransform):
    """``sal_path`` -> ``saliency`` (``float32 H x W`` = PNG / 255), resized by nearest
    neighbour to ``size`` (H, W) (official 256 x 256; ``None`` keeps the file's size)."""

    def __init__(self, size=(256, 256)):
        self.size = None if size is None else tuple(int(v) for v in size)

    def transform(self, results: dict) -> dict:
        sal = read_saliency(results['sal_path']).astype(np.float64) / 255.0
        if self.size is not None:
            sal = cv2.resize(sal, (self.size[1], self.size[0]), interpolation=cv2.INTER_NEAREST)
        results['saliency'] = sal.astype(np.float32)
        return results


@TRANSFORMS.register_module()
class I2crcColorJitter(BaseTransform):
    """torchvision's ``ColorJitter(brightness, contrast, saturation, hue)`` on ``img`` (the
    official training jitter 0.3, 0.3, 0.3, 0.1; the image is BGR as mmcv loads it)."""

    def __init__(self, brightness=0.3, contrast=0.3, saturation=0.3, hue=0.1):
        from torchvision.transforms import ColorJitter
        self.jitter = ColorJitter(brightness, contrast, saturation, hue)

    def transform(self, results: dict) -> dict:
        rgb = torch.from_numpy(np.ascontiguousarray(results['img'][..., ::-1])).permute(2, 0, 1)
        out = self.jitter(rgb).permute(1, 2, 0).numpy()[..., ::-1]
        results['img'] = np.ascontiguousarray(out)
        return results


@TRANSFORMS.register_module()
class I2crcPackInputs(BaseTransform):
    """``dict(inputs=uint8 3 x H x W, data_samples=BaseDataElement(img_labels, saliency,
    img_path, ...))``; an image without ``img_labels`` is an error naming it."""

    def __init__(self, optional=('saliency', 'gt_seg_map')):
        self.optional = tuple(optional)

    def transform(self, results: dict) -> dict:
        img = np.ascontiguousarray(results['img'])
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'{results.get("img_path")}: expected an H x W x 3 image, got '
                             f'{img.shape}')
        if results.get('img_labels') is None:
            raise KeyError(f'{results.get("img_path")}: no image-level label (check its '
                           'Annotations/<name>.xml)')
        fields = dict(img_path=results.get('img_path'), img_name=results.get('img_name'),
                      ori_shape=results.get('ori_shape', img.shape[:2]),
                      img_labels=torch.as_tensor(np.asarray(results['img_labels'], np.float32)))
        for k in self.optional:
            if results.get(k) is not None:
                fields[k] = torch.as_tensor(np.asarray(results[k]))
        return dict(inputs=torch.from_numpy(img).permute(2, 0, 1).contiguous(),
                    data_samples=BaseDataElement(**fields))
