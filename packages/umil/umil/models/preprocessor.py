"""Data preprocessor of umil: uint8 frames ``[..., 3, H, W]`` -> float, normalised with the
official ``img_norm_cfg`` mean / std (ImageNet's, 0-255 scale); batches are stacked."""
from __future__ import annotations

import torch
from mmengine.model import BaseDataPreprocessor

from ..registry import MODELS

CLIP_MEAN = (123.675, 116.28, 103.53)   # the official img_norm_cfg (ImageNet's, not CLIP's)
CLIP_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class UMILDataPreprocessor(BaseDataPreprocessor):
    def __init__(self, mean=CLIP_MEAN, std=CLIP_STD):
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean).view(3, 1, 1), False)
        self.register_buffer('std', torch.tensor(std).view(3, 1, 1), False)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            if len({tuple(x.shape) for x in inputs}) == 1:
                inputs = torch.stack(list(inputs))
            else:   # videos of different clip counts (scoring the training set)
                return dict(inputs=[(x.float() - self.mean) / self.std for x in inputs],
                            data_samples=data.get('data_samples'))
        inputs = (inputs.float() - self.mean) / self.std
        return dict(inputs=inputs, data_samples=data.get('data_samples'))
