"""HP's second, photometric view of each training image (official ``build.py``:
``photometric_transforms``; ``dataset/data.py``: ``img_aug``).

The official applies ``T.ColorJitter(brightness=.3, contrast=.3, saturation=.3, hue=.1)``,
``T.RandomGrayscale(.2)`` and ``T.RandomApply([T.GaussianBlur((5, 5))])`` (p 0.5, sigma drawn
in 0.1..2) to the image tensor *after* ``T.ToTensor()`` and the ImageNet ``T.Normalize``
(``pack[0]`` of the data set is already normalised). :class:`HPPhotometricView` does the same,
with the same torchvision transforms, in that order: so, as in the official, the jittered view
is a normalised image whose values torchvision's float colour ops clamp to ``[0, 1]`` (the
brightness and contrast blends clamp; negative normalised values become 0). The view is stored
normalised in ``results['img_aug']`` (a float tensor ``3 x H x W``); :class:`PackHPInputs`
puts it in the data sample (``img_aug``, a ``PixelData``), and the model uses it as is (the
data preprocessor only normalises ``inputs``). It must come after the last geometric transform
(the official makes it from the final 224 x 224 crop).
"""
from __future__ import annotations

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs

from ..registry import TRANSFORMS

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@TRANSFORMS.register_module()
class HPPhotometricView(BaseTransform):
    """``results['img']`` (RGB ``uint8`` H x W x 3) -> ``results['img_aug']``.

    Args: the official ``T.ColorJitter`` factors, ``grayscale_prob`` (0.2), ``blur_kernel``
    (5), ``blur_prob`` (``T.RandomApply``'s default 0.5), ``mean`` / ``std`` on the 0..1 scale.
    """

    def __init__(self, brightness: float = 0.3, contrast: float = 0.3, saturation: float = 0.3,
                 hue: float = 0.1, grayscale_prob: float = 0.2, blur_kernel: int = 5,
                 blur_prob: float = 0.5, mean=IMAGENET_MEAN, std=IMAGENET_STD):
        import torchvision.transforms as T
        self.normalize = T.Normalize(list(mean), list(std))
        self.photometric = T.Compose([
            T.ColorJitter(brightness=brightness, contrast=contrast, saturation=saturation,
                          hue=hue),
            T.RandomGrayscale(grayscale_prob),
            T.RandomApply([T.GaussianBlur((blur_kernel, blur_kernel))], p=blur_prob),
        ])

    def transform(self, results: dict) -> dict:
        img = results['img']
        if not (isinstance(img, np.ndarray) and img.ndim == 3 and img.shape[2] == 3
                and img.dtype == np.uint8):
            raise ValueError(f"HPPhotometricView needs an RGB uint8 H x W x 3 'img' (from "
                             f"LoadUSegImage), got {getattr(img, 'shape', type(img))} "
                             f"{getattr(img, 'dtype', '')} for {results.get('img_path')}")
        x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float() / 255
        results['img_aug'] = self.photometric(self.normalize(x)).contiguous()
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({self.photometric})'


@TRANSFORMS.register_module()
class PackHPInputs(PackSegInputs):
    """mmseg's ``PackSegInputs`` plus ``data_samples.img_aug`` (``PixelData``) when the
    results hold one."""

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        if 'img_aug' in results:
            packed['data_samples'].img_aug = PixelData(data=results['img_aug'])
        return packed
