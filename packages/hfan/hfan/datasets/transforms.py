"""Transforms for the stacked frame + flow input (``H x W x 6``)."""
from __future__ import annotations

import numpy as np
from mmseg.datasets.transforms import PhotoMetricDistortion
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PairPhotoMetricDistortion(PhotoMetricDistortion):
    """mmseg's ``PhotoMetricDistortion`` applied to each 3-channel image of the stack.

    As in the official ``PhotoMetricDistortionMultiImages``, the frame and the flow image are
    distorted independently (separate random draws), both as BGR images.
    """

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim != 3 or img.shape[-1] % 3:
            raise ValueError(f'PairPhotoMetricDistortion expects H x W x 3k images, got '
                             f'{img.shape}; load inputs with LoadFrameAndFlow')
        parts = [super(PairPhotoMetricDistortion, self).transform(
                     dict(img=img[..., c:c + 3].copy()))['img']
                 for c in range(0, img.shape[-1], 3)]
        results['img'] = np.concatenate(parts, axis=-1)
        return results
