"""IRN's training transforms (``voc12/dataloader.py``, ``misc/imutils.py``) on mmcv's results
dicts, for ``cvshared.datasets.voc.VOCWSSSDataset``.

CAM net (``VOC12ClassificationDataset``): ``IrnRandomResizeLong(320, 640)`` -> ``IrnRandomFlip``
-> ``IrnRandomCrop(512)`` -> ``IrnPackInputs``.
IRNet (``VOC12AffinityDataset``): ``IrnLoadIRLabel`` -> ``IrnRandomRescale(0.5, 1.5)`` ->
``IrnRandomFlip`` -> ``IrnRandomCrop(512)`` -> ``IrnPairLabels(radius=10)`` -> ``IrnPackInputs``.

Images stay ``uint8`` BGR (as ``LoadImageFromFile`` reads them); the model's
``ImgDataPreprocessor`` (``bgr_to_rgb=True``) normalises after the crop. The official code
normalises first and pads the crop with 0 (= the mean colour after normalisation), so the crop
here pads the image with the ImageNet mean colour (normalised: 0, the same) and the IR label
with 255 (ignored).
"""
from __future__ import annotations

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement
from PIL import Image

from ..registry import TRANSFORMS

MEAN_BGR = (103.53, 116.28, 123.675)


def _resize(img: np.ndarray, size_hw, nearest: bool) -> np.ndarray:
    """PIL resize as ``imutils.pil_rescale`` (bicubic image, nearest label)."""
    h, w = size_hw
    if img.shape[:2] == (h, w):
        return img
    pil = Image.fromarray(img)
    return np.asarray(pil.resize((w, h), Image.NEAREST if nearest else Image.BICUBIC))


def _rescale(results: dict, scale: float) -> dict:
    h, w = results['img'].shape[:2]
    size = (int(np.round(h * scale)), int(np.round(w * scale)))
    results['img'] = _resize(results['img'], size, nearest=False)
    if results.get('ir_label') is not None:
        results['ir_label'] = _resize(results['ir_label'], size, nearest=True)
    results['img_shape'] = size
    return results


@TRANSFORMS.register_module()
class IrnRandomResizeLong(BaseTransform):
    """``imutils.random_resize_long``: the long side to a uniform integer in
    ``[min_long, max_long]``, aspect kept."""

    def __init__(self, min_long: int = 320, max_long: int = 640):
        self.min_long, self.max_long = min_long, max_long

    def transform(self, results: dict) -> dict:
        target = np.random.randint(self.min_long, self.max_long + 1)
        h, w = results['img'].shape[:2]
        return _rescale(results, target / max(h, w))


@TRANSFORMS.register_module()
class IrnRandomRescale(BaseTransform):
    """``imutils.random_scale``: the image (and IR label) rescaled by a uniform factor in
    ``ratio_range``."""

    def __init__(self, ratio_range=(0.5, 1.5)):
        self.ratio_range = tuple(ratio_range)

    def transform(self, results: dict) -> dict:
        return _rescale(results, np.random.uniform(*self.ratio_range))


@TRANSFORMS.register_module()
class IrnRandomFlip(BaseTransform):
    """Horizontal flip of the image and the IR label together with probability ``prob``."""

    def __init__(self, prob: float = 0.5, keys=('img', 'ir_label')):
        self.prob, self.keys = prob, tuple(keys)

    def transform(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            for k in self.keys:
                if results.get(k) is not None:
                    results[k] = np.ascontiguousarray(results[k][:, ::-1])
        return results


@TRANSFORMS.register_module()
class IrnRandomCrop(BaseTransform):
    """``imutils.random_crop``: a ``crop x crop`` container (image: the mean colour, label:
    255), a random window of the image placed at a random offset when the image is smaller."""

    def __init__(self, crop_size: int = 512, keys=('img', 'ir_label')):
        self.crop_size, self.keys = crop_size, tuple(keys)

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        c = self.crop_size
        ch, cw = min(c, h), min(c, w)
        rnd = np.random.randint
        top, ctop = (rnd(h - c + 1), 0) if h > c else (0, rnd(c - h + 1))
        left, cleft = (rnd(w - c + 1), 0) if w > c else (0, rnd(c - w + 1))
        for k in self.keys:
            a = results.get(k)
            if a is None:
                continue
            if k == 'img':
                out = np.empty((c, c) + a.shape[2:], a.dtype)
                out[...] = np.asarray(MEAN_BGR, np.float32).astype(a.dtype)
            else:
                out = np.full((c, c) + a.shape[2:], 255, a.dtype)
            out[ctop:ctop + ch, cleft:cleft + cw] = a[top:top + ch, left:left + cw]
            results[k] = out
        results['img_shape'] = (c, c)
        return results


@TRANSFORMS.register_module()
class IrnLoadIRLabel(BaseTransform):
    """Reads ``<label_dir>/<img_name>.png`` (the cam_to_ir_label stage) as ``ir_label``; a
    missing file names the stage to run, a label of another size than the image is an error."""

    def __init__(self, label_dir: str):
        self.label_dir = label_dir

    def transform(self, results: dict) -> dict:
        from ..pipeline import load_ir_label
        results['ir_label'] = load_ir_label(self.label_dir, results['img_name'],
                                            results['img'].shape[:2])
        return results


@TRANSFORMS.register_module()
class IrnLoadCAM(BaseTransform):
    """Reads ``<cam_dir>/<img_name>.npy`` (the make_cam stage) into ``cam_keys`` and the
    stride-4 ``cams``; a missing file names the stage, a CAM of another size than the image is
    an error (:func:`cvshared.wsss.cam.load_cam`)."""

    def __init__(self, cam_dir: str):
        self.cam_dir = cam_dir

    def transform(self, results: dict) -> dict:
        from ..pipeline import _cam
        cam = _cam(self.cam_dir, results['img_name'], results['img'].shape[:2])
        results['cam_keys'], results['cams'] = cam['keys'], cam['cam']
        return results


@TRANSFORMS.register_module()
class IrnPairLabels(BaseTransform):
    """``ir_label`` (cropped) -> ``aff_bg_pos``, ``aff_fg_pos``, ``aff_neg`` ``(D, N)``:
    downscaled x0.25 (nearest, :func:`irn.labels.downscale_label`) and labelled on the pairs of
    ``PathIndex(radius, (crop / 4, crop / 4))`` (``GetAffinityLabelFromIndices``)."""

    def __init__(self, radius: int = 10, crop_size: int = 512):
        from cvshared.ops.affinity import PathIndex
        self.radius, self.crop_size = radius, crop_size
        self.path_index = PathIndex(radius, (crop_size // 4, crop_size // 4))

    def transform(self, results: dict) -> dict:
        from ..labels import downscale_label, pair_labels
        label = results.pop('ir_label')
        if label.shape != (self.crop_size, self.crop_size):
            raise ValueError(f'{results.get("img_path")}: IR label {label.shape} after the '
                             f'crop, expected {self.crop_size} x {self.crop_size} (put '
                             f'IrnRandomCrop(crop_size={self.crop_size}) before IrnPairLabels)')
        bg, fg, neg = pair_labels(downscale_label(label), self.path_index)
        results.update(aff_bg_pos=bg, aff_fg_pos=fg, aff_neg=neg)
        return results


@TRANSFORMS.register_module()
class IrnPackInputs(BaseTransform):
    """``dict(inputs=uint8 3 x H x W, data_samples=BaseDataElement(label, img_path, ...))``:
    ``label`` is the image-level ``img_labels`` (``float32[20]``) the CAM net trains on; the
    pair labels are packed when present.  An image without ``img_labels`` is an error naming
    it (with ``keys=()`` none is required: IRNet trains on the pair labels only)."""

    def __init__(self, keys=('img_labels',),
                 optional=('aff_bg_pos', 'aff_fg_pos', 'aff_neg', 'gt_seg_map', 'cams',
                           'cam_keys')):
        self.keys, self.optional = tuple(keys), tuple(optional)

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
        if results.get('img_labels') is not None:
            fields['label'] = torch.as_tensor(np.asarray(results['img_labels'], np.float32))
        for k in self.optional:
            if results.get(k) is not None:
                fields[k] = torch.as_tensor(results[k])
        return dict(inputs=torch.from_numpy(img).permute(2, 0, 1).contiguous(),
                    data_samples=BaseDataElement(**fields))
