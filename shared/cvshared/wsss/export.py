"""Export of pseudo labels: semantic labels as PASCAL VOC palette PNGs, instance labels as a
COCO-style json (RLE masks) that mmdet's ``CocoDataset`` reads.

Semantic. :func:`save_label_png` writes a class-id map (``uint8`` H x W, 0 background,
1..20 classes, 255 ignore) as a 'P' PNG with the VOC colour map, the format of VOC's
``SegmentationClass`` (so mmseg, the VOC devkit and image viewers read it). Ids are stored as
they are: 255 stays 255 (ignore), nothing is remapped. :func:`read_label_png` reads it back
(ids checked as :func:`cvshared.datasets.voc.read_voc_mask` does).

Instance. :func:`instances_to_coco` turns per-image records ``(file name, height, width,
[(class_id, score, mask H x W), ...])`` into a COCO dict: ``images`` with ids 1..N in the order
of the records (stable: the same records give the same ids), ``categories`` 1..20 with the
VOC names (``class_id`` is the VOC foreground index 0..19, category id = class_id + 1, as
mmdet's ``CocoDataset`` maps categories to labels 0..19 in order), ``annotations`` with
``segmentation`` as compressed RLE (pycocotools, counts as str), ``area``, ``bbox`` (x, y, w,
h from the RLE), ``iscrowd`` 0 and the instance's ``score``. Empty masks are dropped (COCO
cannot hold a box of an empty mask); masks of the wrong size or class ids out of range are
errors naming the image.
"""
from __future__ import annotations

import json
import os
import os.path as osp
from collections.abc import Iterable, Sequence

import numpy as np

from ..datasets.voc import VOC_FG_CLASSES, read_voc_mask, voc_palette

__all__ = ['save_label_png', 'read_label_png', 'instances_to_coco', 'save_coco_json',
           'encode_mask', 'decode_mask', 'voc_instances_to_coco', 'export_voc_gt_stage']


def save_label_png(path: str, label: np.ndarray, palette: Sequence | None = None) -> str:
    """Write ``label`` (H x W class ids, 0..255) as a palette PNG; returns ``path``."""
    from PIL import Image

    label = np.asarray(label)
    if label.ndim != 2:
        raise ValueError(f'{path}: a label map is H x W, got shape {label.shape}')
    if label.dtype != np.uint8:
        if label.size and (label.min() < 0 or label.max() > 255):
            raise ValueError(f'{path}: label ids {int(label.min())}..{int(label.max())} do not '
                             'fit a PNG palette (0..255, 255 = ignore)')
        label = label.astype(np.uint8)
    pal = voc_palette() if palette is None else [list(c) for c in palette]
    img = Image.fromarray(label, mode='P')
    img.putpalette([v for c in pal for v in c])
    parent = osp.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    img.save(path)
    return path


def read_label_png(path: str, num_classes: int = len(VOC_FG_CLASSES) + 1) -> np.ndarray:
    """The class-id map of a label PNG (``uint8``; ids outside 0..num_classes-1 and 255 are an
    error naming the file)."""
    return read_voc_mask(path, num_classes=num_classes)


def encode_mask(mask: np.ndarray) -> dict:
    """COCO compressed RLE of a binary H x W mask (``counts`` as str, json-ready)."""
    from pycocotools import mask as mask_utils

    rle = mask_utils.encode(np.asfortranarray(np.asarray(mask, dtype=np.uint8)))
    rle['counts'] = rle['counts'].decode('ascii')
    return rle


def decode_mask(rle: dict) -> np.ndarray:
    """Binary H x W ``bool`` mask of a COCO RLE (str or bytes counts)."""
    from pycocotools import mask as mask_utils

    rle = dict(rle)
    if isinstance(rle['counts'], str):
        rle['counts'] = rle['counts'].encode('ascii')
    return mask_utils.decode(rle).astype(bool)


def instances_to_coco(records: Iterable, class_names: Sequence[str] = VOC_FG_CLASSES) -> dict:
    """COCO dict of instance pseudo labels (see the module docstring).

    Args:
        records: ``(file_name, height, width, instances)`` per image, ``instances`` a list of
            ``(class_id, score, mask)`` with ``class_id`` in ``0..len(class_names)-1`` and
            ``mask`` a binary ``height x width`` array.
        class_names: Category names, ids 1..len (default the 20 VOC classes).
    """
    from pycocotools import mask as mask_utils

    images, annotations = [], []
    seen = set()
    for image_id, record in enumerate(records, 1):
        file_name, height, width, instances = record
        if file_name in seen:
            raise ValueError(f'image {file_name!r} appears twice in the records')
        seen.add(file_name)
        images.append(dict(id=image_id, file_name=str(file_name), height=int(height),
                           width=int(width)))
        for k, inst in enumerate(instances):
            class_id, score, mask = inst
            mask = np.asarray(mask)
            if mask.shape != (height, width):
                raise ValueError(f'image {file_name!r}: instance {k} mask is {mask.shape} '
                                 f'(H, W) but the image is ({height}, {width})')
            if not 0 <= int(class_id) < len(class_names):
                raise ValueError(f'image {file_name!r}: instance {k} has class id '
                                 f'{class_id}, outside 0..{len(class_names) - 1}')
            if mask.dtype != bool:
                if not np.isin(mask, (0, 1)).all():
                    raise ValueError(f'image {file_name!r}: instance {k} mask is not binary')
                mask = mask.astype(bool)
            if not mask.any():
                continue
            rle = encode_mask(mask)
            x, y, w, h = (float(v) for v in mask_utils.toBbox(
                dict(rle, counts=rle['counts'].encode('ascii'))))
            annotations.append(dict(id=len(annotations) + 1, image_id=image_id,
                                    category_id=int(class_id) + 1, segmentation=rle,
                                    area=float(mask.sum()), bbox=[x, y, w, h], iscrowd=0,
                                    score=float(score)))
    categories = [dict(id=i + 1, name=name, supercategory='voc')
                  for i, name in enumerate(class_names)]
    return dict(info=dict(description='instance pseudo labels (cvshared.wsss.export)'),
                images=images, annotations=annotations, categories=categories)


def save_coco_json(path: str, coco: dict) -> str:
    """Write a COCO dict (as :func:`instances_to_coco` returns) to ``path``."""
    parent = osp.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(coco, f)
    return path


def voc_instances_to_coco(root: str, list_file: str = 'ImageSets/Segmentation/val.txt') -> dict:
    """COCO dict of the VOC ground-truth instances (``SegmentationObject`` + ``SegmentationClass``,
    :func:`cvshared.datasets.voc.voc_instances`) of the images of ``list_file`` (relative to
    ``root``, the VOC2012 folder), scores 1: the annotation file of mmdet's ``CocoDataset`` /
    ``CocoMetric`` for the final instance stage's val split."""
    from ..datasets.io import image_size
    from ..datasets.voc import read_image_list, voc_instances

    records = []
    for name in read_image_list(osp.join(root, list_file)):
        img = osp.join(root, 'JPEGImages', name + '.jpg')
        if not osp.isfile(img):
            raise FileNotFoundError(f'{list_file}: image {name!r} listed but {img!r} not found')
        masks, labels = voc_instances(osp.join(root, 'SegmentationClass', name + '.png'),
                                      osp.join(root, 'SegmentationObject', name + '.png'))
        w, h = image_size(img)
        records.append((name + '.jpg', h, w,
                        [(int(c), 1.0, m) for c, m in zip(labels, masks)]))
    return instances_to_coco(records)


def export_voc_gt_stage(cfg, work_dir: str, inputs: dict) -> None:
    """A pipeline 'call' stage (:mod:`cvshared.engine.stages`): write the VOC val ground truth
    as ``<work_dir>/instances_val.json`` (list ``cfg.get('gt_list')``, default
    ``ImageSets/Segmentation/val.txt``) for the final Mask R-CNN stage's evaluation."""
    root = cfg.get('data_root')
    if not root:
        raise ValueError('export_voc_gt_stage needs data_root (the VOC2012 folder)')
    save_coco_json(osp.join(work_dir, 'instances_val.json'),
                   voc_instances_to_coco(root, cfg.get('gt_list') or
                                         'ImageSets/Segmentation/val.txt'))
