"""The packing transform and the synthetic VOC-layout set of adcam."""
from __future__ import annotations

import numpy as np
import torch
from cvshared.datasets.voc_synthetic import make_voc_synthetic
from mmcv.transforms import BaseTransform
from mmengine.structures import BaseDataElement

from ..registry import TRANSFORMS

# the synthetic set (decided by us): the shared generator's "marked" style (the class evidence
# is a small tinted disc on a dark class-agnostic body, so a CNN CAM fires on the mark and the
# mask is the whole body: the partial-activation problem the attention coupling addresses),
# 128 x 128 (an 8 x 8 token grid at stride 16), two classes, background-only images for the
# CAM net (cvshared.datasets.voc_synthetic, num_empty)
SYNTHETIC = dict(size=(128, 128), classes=('aeroplane', 'bicycle'), max_objects=2, mark=0.2,
                 radius_range=(0.22, 0.32))


def make_synthetic(root: str, num_train: int = 32, num_val: int = 8, seed: int = 0,
                   num_empty: int | None = 8, **overrides) -> str:
    """The synthetic VOC 2012 layout under ``root`` (:data:`SYNTHETIC` + ``overrides``)."""
    kw = dict(SYNTHETIC, **overrides)
    return make_voc_synthetic(root, num_train=num_train, num_val=num_val, seed=seed,
                              num_empty=num_empty, **kw)


@TRANSFORMS.register_module()
class AdcamPackInputs(BaseTransform):
    """``dict(inputs=uint8 3 x H x W, data_samples=BaseDataElement(img_labels, img_path,
    gt_seg_map?))``. An image without ``img_labels`` is an error naming it."""

    def transform(self, results: dict) -> dict:
        img = np.ascontiguousarray(results['img'])
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'{results.get("img_path")}: expected an H x W x 3 image, got '
                             f'{img.shape}')
        if results.get('img_labels') is None:
            raise KeyError(f'{results.get("img_path")}: no image-level label (check its '
                           f'Annotations/<name>.xml)')
        fields = dict(img_path=results.get('img_path'), ori_shape=img.shape[:2],
                      img_labels=torch.as_tensor(np.asarray(results['img_labels'], np.float32)))
        if results.get('gt_seg_map') is not None:
            fields['gt_seg_map'] = torch.as_tensor(np.asarray(results['gt_seg_map']))
        return dict(inputs=torch.from_numpy(img).permute(2, 0, 1).contiguous(),
                    data_samples=BaseDataElement(**fields))
