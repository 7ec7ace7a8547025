"""WideResNet for CIFAR (Zagoruyko & Komodakis 2016), pre-activation blocks, as the
adversarial-training code of DKL uses it (WRN-34-10; ``models/wideresnet.py`` of
``DKLv1/Adv-training-dkl``). mmpretrain has no WideResNet, hence this one.

Our names differ from the official (``stem`` / ``stages.<s>.<i>`` / ``norm_out`` against
``conv1`` / ``block<s+1>.layer.<i>`` / ``bn1``); :mod:`dkl.convert` maps them.
"""
from __future__ import annotations

import math

import torch.nn as nn
from mmengine.model import BaseModule

from ..registry import MODELS


class PreActBlock(nn.Module):
    """BN-ReLU-conv3x3-BN-ReLU-conv3x3 with an identity or 1x1-conv shortcut. When the
    shape changes, the shortcut takes the pre-activated input (as in the official block)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.relu = nn.ReLU()
        self.shortcut = None
        if in_channels != out_channels or stride != 1:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride, 0, bias=False)

    def forward(self, x):
        act = self.relu(self.norm1(x))
        out = self.conv2(self.relu(self.norm2(self.conv1(act))))
        return out + (x if self.shortcut is None else self.shortcut(act))


@MODELS.register_module()
class DklWideResNet(BaseModule):
    """WRN-depth-k: a 3x3 stem of 16 channels, three stages of ``(depth - 4) / 6`` blocks with
    ``16k, 32k, 64k`` channels (strides 1, 2, 2), BN-ReLU and global average pooling.

    Args:
        depth: 6n + 4 (34 for WRN-34-10).
        widen_factor: k.
    Shape: ``(B, 3, H, W)`` -> ``((B, 64k),)`` (a tuple, as mmpretrain necks/heads expect).
    """

    def __init__(self, depth: int = 34, widen_factor: int = 10, in_channels: int = 3,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if (depth - 4) % 6:
            raise ValueError(f'WideResNet depth must be 6n + 4 (e.g. 28, 34), got {depth}')
        n = (depth - 4) // 6
        widths = [16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        self.stem = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        stages = []
        for s, stride in enumerate((1, 2, 2)):
            blocks = [PreActBlock(widths[s] if i == 0 else widths[s + 1], widths[s + 1],
                                  stride if i == 0 else 1) for i in range(n)]
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.norm_out = nn.BatchNorm2d(widths[3])
        self.relu = nn.ReLU()
        self.out_channels = widths[3]
        self._kaiming_fan_out()

    def _kaiming_fan_out(self):
        """He initialisation of the convolutions (fan-out), BN weight 1 / bias 0."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, 0, math.sqrt(2.0 / fan_out))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        out = self.relu(self.norm_out(self.stages(self.stem(x))))
        return (out.mean(dim=(2, 3)),)


@MODELS.register_module()
class DklTinyConvNet(BaseModule):
    """The CPU model of the synthetic config: conv5x5/4 - ReLU - conv3x3/2 - ReLU - flatten
    (no batch norm, so train and eval modes agree during the attack).

    Shape: ``(B, 3, 32, 32)`` -> ``((B, channels[1] * 4 * 4),)``.
    """

    def __init__(self, in_channels: int = 3, channels=(16, 32), image_size: int = 32,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.layers = nn.Sequential(
            nn.Conv2d(in_channels, channels[0], 5, 4, 2), nn.ReLU(),
            nn.Conv2d(channels[0], channels[1], 3, 2, 1), nn.ReLU())
        side = -(-image_size // 8)   # two strided convolutions (padded): ceil(H / 8)
        self.out_channels = channels[1] * side * side

    def forward(self, x):
        return (self.layers(x).flatten(1),)


def _conv_bn_relu(c_in, c_out, stride, groups=1, kernel=3):
    return [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
            nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


@MODELS.register_module()
class DklMobileNetV1(BaseModule):
    """MobileNet-V1 (Howard et al. 2017), width 1.0, the ImageNet KD student of the paper's
    R50 -> MobileNet row (mdistiller's ``MobileNetV1``; mmpretrain has V2/V3 only): a 3x3/2
    stem of 32 channels and 13 depthwise-separable blocks, global average pooling.

    Shape: ``(B, 3, 224, 224)`` -> ``((B, 1024),)``.
    """

    # (output channels, stride) of the depthwise-separable blocks
    ARCH = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
            (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))

    def __init__(self, in_channels: int = 3, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        layers, c = _conv_bn_relu(in_channels, 32, 2), 32
        for c_out, stride in self.ARCH:
            layers += _conv_bn_relu(c, c, stride, groups=c)            # depthwise 3x3
            layers += _conv_bn_relu(c, c_out, 1, kernel=1)             # pointwise 1x1
            c = c_out
        self.layers = nn.Sequential(*layers)
        self.out_channels = c

    def forward(self, x):
        return (self.layers(x).mean(dim=(2, 3)),)
