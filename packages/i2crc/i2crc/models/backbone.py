"""The dilated VGG-16 "D1" backbone of I2CRC's classification network (paper Sec. III-A, the
official ``make_layers(cfg['D1'])``).

mmpretrain's ``VGG`` takes per-stage ``dilations`` but always closes a stage with a 2x2 / stride-2
max-pool (or drops the last one): it cannot put the 3x3 / stride-1 / pad-1 max-pool that replaces
pool4 here, so this is a small backbone of ours. The layer list is VGG-16's:

    conv1_1..2 (64) - pool 2x2/2 - conv2_1..2 (128) - pool 2x2/2 - conv3_1..3 (256) - pool 2x2/2 -
    conv4_1..3 (512) - pool 3x3/1 pad 1 - conv5_1..3 (512, dilation 2, pad 2)   (no pool5)

each conv 3x3 + ReLU, so the output stride is 8 (a 256 x 256 image gives a 32 x 32 map). The
modules sit in ``features`` (an ``nn.Sequential``) at torchvision's ``vgg16().features`` indices
(conv at 0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28; pools at 4, 9, 16, 23), so torchvision's
ImageNet file ``vgg16-397923af.pth`` loads as it is (``init_cfg=dict(type='Pretrained',
checkpoint=...)``; its ``classifier.*`` keys are unused, as in the official non-strict load).

``widths`` / ``depths`` shrink the net for the synthetic configs (same layer pattern).
"""
from __future__ import annotations

import math

import torch.nn as nn
from mmengine.model import BaseModule

from ..registry import MODELS

VGG16_WIDTHS = (64, 128, 256, 512, 512)
VGG16_DEPTHS = (2, 2, 3, 3, 3)


def init_conv_(module: nn.Module) -> None:
    """The official initialisation of every conv: weight ``N(0, sqrt(2 / (k_h k_w C_out)))``,
    bias 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / n))
            if m.bias is not None:
                nn.init.zeros_(m.bias)


@MODELS.register_module()
class I2crcVGG16D1(BaseModule):
    """VGG-16 conv1-conv5 with pool4 -> 3x3/s1 max-pool, dilated conv5, no pool5 (OS 8).

    Args:
        in_channels: Input channels (3).
        widths: Channels of the five conv blocks (VGG-16: 64, 128, 256, 512, 512).
        depths: Convs per block (VGG-16: 2, 2, 3, 3, 3).
        dilation: Dilation (= padding) of the last block's convs (official 2).
        init_cfg: e.g. ``dict(type='Pretrained', checkpoint='checkpoints/vgg16-397923af.pth')``.
    Shape: ``(B, 3, H, W)`` -> ``(B, widths[-1], ceil(H / 8), ceil(W / 8))`` for H, W multiples
    of 8 exactly ``H / 8``.
    """

    def __init__(self, in_channels: int = 3, widths=VGG16_WIDTHS, depths=VGG16_DEPTHS,
                 dilation: int = 2, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(widths) != 5 or len(depths) != 5:
            raise ValueError(f'I2crcVGG16D1: widths {widths} and depths {depths} must have 5 '
                             'entries (the five VGG blocks)')
        layers, c_in = [], in_channels
        for block, (width, depth) in enumerate(zip(widths, depths)):
            d = dilation if block == 4 else 1
            for _ in range(depth):
                layers += [nn.Conv2d(c_in, width, 3, padding=d, dilation=d), nn.ReLU(inplace=True)]
                c_in = width
            if block < 3:
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            elif block == 3:  # pool4 keeps the resolution
                layers.append(nn.MaxPool2d(kernel_size=3, stride=1, padding=1))
        self.features = nn.Sequential(*layers)
        self.out_channels = c_in
        init_conv_(self)

    def forward(self, x):
        return self.features(x)
