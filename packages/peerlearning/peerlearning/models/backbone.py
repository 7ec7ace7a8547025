"""A tiny CPU backbone for the synthetic set (the paper's backbones are mmpretrain's ``VGG``
(depth 16, to conv5_3 + ReLU) and ``ResNet`` (depth 50), configured in the paper configs)."""
from __future__ import annotations

import torch.nn as nn
from mmengine.model import BaseModule

from ..registry import MODELS


@MODELS.register_module()
class PeerlearningConvNet(BaseModule):
    """Conv-BN-ReLU stages, each halving the resolution except the first; the last feature map
    (after ReLU, as VGG's conv5_3 + ReLU feeds the B-CNN neck).

    Args:
        in_channels: Input channels (3 for RGB).
        channels: Output channels of each stage.
    Shape: ``(B, in_channels, H, W)`` -> ``((B, channels[-1], H / 2^(S-1), W / 2^(S-1)),)``.
    """

    def __init__(self, in_channels: int = 3, channels=(8, 16), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        layers, c_in = [], in_channels
        for i, c_out in enumerate(channels):
            layers += [nn.Conv2d(c_in, c_out, 3, stride=1 if i == 0 else 2, padding=1,
                                 bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
            c_in = c_out
        self.stages = nn.Sequential(*layers)
        self.out_channels = c_in

    def forward(self, x):
        return (self.stages(x),)
