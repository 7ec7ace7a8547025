"""The backbone. TODO: the paper's (or a wrapped library backbone, with its pretrained weights
from ``init_cfg=dict(type='Pretrained', checkpoint='checkpoints/<file>.pth')``)."""
from __future__ import annotations

import torch.nn as nn
from mmengine.model import BaseModule

from ..registry import MODELS


@MODELS.register_module()
class PeerlearningConvNet(BaseModule):
    """Conv-BN-ReLU stages, each halving the resolution; global average pooled output.

    Args:
        in_channels: Input channels (3 for RGB).
        channels: Output channels of each stage.
    Shape: ``(B, in_channels, H, W)`` -> ``(B, channels[-1])``.
    """

    def __init__(self, in_channels: int = 3, channels=(8, 16), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        layers, c_in = [], in_channels
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
            c_in = c_out
        self.stages = nn.Sequential(*layers)
        self.out_channels = c_in

    def forward(self, x):
        return self.stages(x).mean(dim=(2, 3))
