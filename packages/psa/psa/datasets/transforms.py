"""PSA's packing transform and the synthetic set.

:class:`PsaPackInputs` packs ``img`` (H x W x 3 as ``LoadImageFromFile`` reads it, BGR: the
configs' data preprocessor sets ``bgr_to_rgb=True``) into the ``3 x H x W`` uint8 tensor the
nets' data preprocessor normalises, with a data element carrying ``img_labels``
(``float32[20]``, from ``VOCWSSSDataset``), ``img_path`` and, when present, ``aff_label``.
"""
from __future__ import annotations

import numpy as np
import torch
from cvshared.datasets.voc_synthetic import (
    CAM_TRAIN_LIST,  # noqa: F401  (the list's name)
    make_voc_synthetic,
)
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from ..registry import TRANSFORMS

SYNTHETIC_CLASSES = ('aeroplane', 'bicycle')


def make_synthetic(root: str, num_train: int = 64, num_val: int = 8, seed: int = 0,
                   size=(112, 112), classes=SYNTHETIC_CLASSES, max_objects: int = 2,
                   mark: float | None = 0.4, radius_range=(0.2, 0.3),
                   num_empty: int | None = None) -> str:
    """The VOC-layout synthetic set (``cvshared.datasets.voc_synthetic``) at ``root``, in the
    generator's "marked" style: each object is a dark class-agnostic body of random shape whose
    class shows only in a tinted disc of ``mark`` x its radius at the centre (radii
    ``radius_range`` x the image side), on a grey-ish background; two classes, up to two
    objects per image, 112 x 112, 64 training / 8 val images.

    Plus ``num_empty`` (default ``num_train // 2``) background-only images (the shared
    generator's ``num_empty``: its grey-ish texture, no object, an all-background mask, an
    annotation without ``<object>``), named ``2000_9xxxxx`` and listed only in
    ``ImageSets/Segmentation/train_cam.txt`` (``CAM_TRAIN_LIST`` = train + them), the CAM
    net's training list (the learning test's and the staged synthetic CAM config's);
    ``train.txt`` is the generator's. Without
    them every image holds one of the two classes, 86 % exactly one, so "bicycle = no aeroplane
    mark anywhere" (a conv6 unit of the tiny net sees the whole image) fits the labels about as
    well as the bicycle mark, and the CAM net learns that shortcut for one class on some seeds:
    its CAM then fires on the background (README, Results: 5 of 10 CAM trainings of a small
    run, 1 of 10 with the empties). Real VOC has no empty image but 20
    classes: "none of the 19 others" is no easier than the class itself.

    The recipe of ``packages/psa/tools/learned_chain.py`` (README, Results): the CAM net finds
    the marks, and the affinities must carry the labels over the bodies. The earlier default
    (four plain-shape classes, 80 x 80, ``mark=None``) gave a walk that lost to the best
    constant-threshold CAM-only labels (35.8 vs >= 50.9)."""
    num_empty = num_train // 2 if num_empty is None else int(num_empty)
    if num_empty < 0:
        raise ValueError(f'num_empty={num_empty}: the number of background-only images must be '
                         '>= 0')
    return make_voc_synthetic(root, num_train=num_train, num_val=num_val, size=tuple(size),
                              classes=classes, max_objects=max_objects, seed=seed, mark=mark,
                              radius_range=None if radius_range is None else tuple(radius_range),
                              num_empty=num_empty)


@TRANSFORMS.register_module()
class PsaPackInputs(BaseTransform):
    """``dict(inputs=uint8 3 x H x W, data_samples=BaseDataElement(img_labels, img_path, ...))``.

    An image without an ``img_labels`` entry is an error naming it (CAM training needs the
    image-level label of every image).
    """

    def __init__(self, keys=('img_labels',),
                 optional=('aff_label', 'gt_seg_map', 'cam_keys', 'cams')):
        self.keys = tuple(keys)
        self.optional = tuple(optional)

    def transform(self, results: dict) -> dict:
        img = np.ascontiguousarray(results['img'])
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'{results.get("img_path")}: expected an H x W x 3 image, got '
                             f'{img.shape}')
        fields = dict(img_path=results.get('img_path'), ori_shape=img.shape[:2])
        for k in self.keys:
            if results.get(k) is None:
                raise KeyError(f'{results.get("img_path")}: no {k!r} entry (an image without its '
                               f'image-level label; check its Annotations/<name>.xml)')
            fields[k] = torch.as_tensor(np.asarray(results[k], np.float32))
        for k in self.optional:
            if results.get(k) is not None:
                fields[k] = torch.as_tensor(np.asarray(results[k]))
        return dict(inputs=torch.from_numpy(img).permute(2, 0, 1).contiguous(),
                    data_samples=BaseDataElement(**fields))


@TRANSFORMS.register_module()
class PsaLoadAffinityScores(BaseTransform):
    """Reads ``<label_dir>/<img_name>.npz`` (the make_aff_labels stage) into ``aff_scores``,
    ``H x W x 2(K + 1)`` (la channels then ha channels, like the official loader)."""

    def __init__(self, label_dir: str):
        self.label_dir = label_dir

    def transform(self, results: dict) -> dict:
        from ..pipeline import load_aff_scores
        la, ha = load_aff_scores(self.label_dir, results['img_name'])
        h, w = results['img'].shape[:2]
        if la.shape[1:] != (h, w):
            raise ValueError(f'{results["img_path"]}: affinity scores {la.shape[1]}x{la.shape[2]}'
                             f' but the image is {h}x{w} (rerun make_aff_labels)')
        results['aff_scores'] = np.concatenate([la, ha]).transpose(1, 2, 0)
        return results


@TRANSFORMS.register_module()
class PsaJointRandomCrop(BaseTransform):
    """The official ``imutils.RandomCrop`` on image and scores together: a ``crop x crop``
    zero container, a random window of the image placed at a random offset when smaller (so
    the padding has no score and becomes 255 in the label)."""

    def __init__(self, crop_size: int = 448, keys=('img', 'aff_scores')):
        self.crop_size = crop_size
        self.keys = keys

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        c = self.crop_size
        ch, cw = min(c, h), min(c, w)
        rng = np.random
        top, ctop = (rng.randint(h - c + 1), 0) if h > c else (0, rng.randint(c - h + 1))
        left, cleft = (rng.randint(w - c + 1), 0) if w > c else (0, rng.randint(c - w + 1))
        for k in self.keys:
            a = results[k]
            out = np.zeros((c, c) + a.shape[2:], a.dtype)
            out[ctop:ctop + ch, cleft:cleft + cw] = a[top:top + ch, left:left + cw]
            results[k] = out
        results['img_shape'] = (c, c)
        return results


@TRANSFORMS.register_module()
class PsaAffinityLabel(BaseTransform):
    """``aff_scores`` (optionally flipped with the image) -> ``aff_label``: pooled by 8, the
    label rule of :func:`psa.models.labels.label_from_scores`."""

    def __init__(self, flip_prob: float = 0.5, stride: int = 8):
        self.flip_prob = flip_prob
        self.stride = stride

    def transform(self, results: dict) -> dict:
        from ..pipeline import aff_label
        scores = results.pop('aff_scores')
        if np.random.rand() < self.flip_prob:
            scores = scores[:, ::-1]
            results['img'] = np.ascontiguousarray(results['img'][:, ::-1])
        scores = np.ascontiguousarray(scores.transpose(2, 0, 1))
        la, ha = np.split(scores, 2)
        results['aff_label'] = aff_label(la, ha, self.stride)
        return results


@TRANSFORMS.register_module()
class PsaLoadCAM(BaseTransform):
    """Reads ``<cam_dir>/<img_name>.npy`` (the make_cam stage, PSA format) into ``cam_keys``
    and ``cams`` (``K x H x W``); a CAM of another size than the image is an error."""

    def __init__(self, cam_dir: str):
        self.cam_dir = cam_dir

    def transform(self, results: dict) -> dict:
        import os.path as osp

        from cvshared.wsss.cam import load_cam
        h, w = results['img'].shape[:2]
        cam = load_cam(osp.join(self.cam_dir, results['img_name'] + '.npy'), (h, w), stride=None)
        results['cam_keys'], results['cams'] = cam['keys'], cam['high_res']
        return results
