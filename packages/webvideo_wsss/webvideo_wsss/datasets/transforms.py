"""Transforms and the decoder's frame data set, for mmengine runners.

Encoder (VOC image labels, ``cvshared.datasets.voc.VOCWSSSDataset``): ``LoadImageFromFile`` ->
``WebVideoResize`` -> ``WebVideoRandomFlip`` -> ``WebVideoPackInputs``.
Decoder (the video masks of the segment_videos stage, :class:`WebVideoFrameDataset`):
``LoadImageFromFile`` -> ``WebVideoLoadMask`` -> ``WebVideoResize`` -> ``WebVideoRandomFlip``
-> ``WebVideoPackInputs``.
Test (VOC val): ``LoadImageFromFile`` -> ``LoadVOCSegAnnotation`` -> ``WebVideoPackInputs``.
Images stay ``uint8`` BGR as ``LoadImageFromFile`` reads them; the model's
``ImgDataPreprocessor`` (``bgr_to_rgb=True``) normalises.
"""
from __future__ import annotations

import os.path as osp

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset
from mmengine.structures import BaseDataElement
from PIL import Image

from ..registry import DATASETS, TRANSFORMS

MASK_KEYS = ('gt_mask', 'gt_seg_map')
SOURCE_FILE = 'video_root.txt'  # written by pipeline.segment_videos: the videos' folder


@TRANSFORMS.register_module()
class WebVideoResize(BaseTransform):
    """Image (bilinear) and masks (nearest) to ``size`` = ``(h, w)`` (TransferNet's 320 x 320)."""

    def __init__(self, size=(320, 320)):
        self.size = tuple(size)

    def transform(self, results: dict) -> dict:
        h, w = self.size
        results['img'] = cv2.resize(results['img'], (w, h), interpolation=cv2.INTER_LINEAR)
        for k in MASK_KEYS:
            if results.get(k) is not None:
                results[k] = cv2.resize(results[k], (w, h), interpolation=cv2.INTER_NEAREST)
        results['img_shape'] = (h, w)
        return results


@TRANSFORMS.register_module()
class WebVideoRandomFlip(BaseTransform):
    """Horizontal flip of the image and its masks with probability ``prob``."""

    def __init__(self, prob: float = 0.5):
        self.prob = prob

    def transform(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            for k in ('img',) + MASK_KEYS:
                if results.get(k) is not None:
                    results[k] = np.ascontiguousarray(results[k][:, ::-1])
        return results


@TRANSFORMS.register_module()
class WebVideoLoadMask(BaseTransform):
    """``mask_path`` (0 / 1 / 255 PNG of the segment_videos stage) -> ``gt_mask``; a missing
    file or one of another size than its frame is an error naming both."""

    def transform(self, results: dict) -> dict:
        path = results['mask_path']
        if not osp.isfile(path):
            raise FileNotFoundError(f'video mask {path!r} not found: rerun the segment_videos '
                                    'stage')
        with Image.open(path) as im:
            m = np.array(im)
        if m.shape != results['img'].shape[:2]:
            raise ValueError(f'video mask {path} is {m.shape} but its frame '
                             f'{results.get("img_path")} is {results["img"].shape[:2]}')
        results['gt_mask'] = m
        return results


@TRANSFORMS.register_module()
class WebVideoPackInputs(BaseTransform):
    """``dict(inputs=uint8 3 x H x W, data_samples=BaseDataElement(...))`` with the fields the
    models read: ``img_labels`` (encoder loss, E5), ``cls`` + ``gt_mask`` (decoder loss),
    ``gt_seg_map`` (test), ``img_path``, ``ori_shape``."""

    def transform(self, results: dict) -> dict:
        img = np.ascontiguousarray(results['img'])
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'{results.get("img_path")}: expected an H x W x 3 image, got '
                             f'{img.shape}')
        fields = dict(img_path=results.get('img_path'), ori_shape=img.shape[:2])
        if results.get('img_labels') is not None:
            fields['img_labels'] = torch.as_tensor(np.asarray(results['img_labels'], np.float32))
        if results.get('cls') is not None:
            fields['cls'] = int(results['cls'])
        for k in MASK_KEYS:
            if results.get(k) is not None:
                fields[k] = torch.as_tensor(np.asarray(results[k], np.int64))
        return dict(inputs=torch.from_numpy(img).permute(2, 0, 1).contiguous(),
                    data_samples=BaseDataElement(**fields))


@DATASETS.register_module()
class WebVideoFrameDataset(BaseDataset):
    """The decoder's training set: ``<data_root>/frames.txt`` of the segment_videos stage, lines
    ``frames/<class>/<id>/<t>.png masks/<class>/<id>/<t>.png <class index>``. A missing list
    names the stage to run. ``video_root``: the crawled-video set the config means; when the
    stage recorded its own (``video_root.txt``) and it is another folder, the frames are stale
    (made from other videos): an error naming both."""

    def __init__(self, data_root: str = '', ann_file: str = 'frames.txt',
                 video_root: str | None = None, **kwargs):
        self.video_root = video_root
        super().__init__(data_root=data_root, ann_file=ann_file, **kwargs)

    def load_data_list(self) -> list[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'decoder frame list {self.ann_file!r} not found: run the '
                                    'segment_videos stage first (tools/stage.py webvideo_wsss '
                                    'segment_videos)')
        source = osp.join(osp.dirname(self.ann_file), SOURCE_FILE)
        if self.video_root and osp.isfile(source):
            with open(source) as f:
                made_from = f.read().strip()
            if osp.abspath(made_from) != osp.abspath(self.video_root):
                raise ValueError(f'{self.ann_file} was made from the videos of {made_from}, '
                                 f'not of {self.video_root}: rerun the segment_videos stage')
        out = []
        with open(self.ann_file) as f:
            for n, line in enumerate(f, 1):
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != 3:
                    raise ValueError(f'{self.ann_file}:{n}: expected "<frame> <mask> <class>"')
                out.append(dict(img_path=osp.join(self.data_root, parts[0]),
                                mask_path=osp.join(self.data_root, parts[1]),
                                cls=int(parts[2])))
        if not out:
            raise ValueError(f'decoder frame list {self.ann_file} is empty')
        return out
