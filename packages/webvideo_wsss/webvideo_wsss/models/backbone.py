"""The encoder's convolutional body: VGG-16 (paper Sec. 3.1, "the encoder is VGG-16 pre-trained
on ImageNet"), conv1_1 .. conv5_3 with the max-pools after blocks 1-4 and no pool5 (output
stride 16: TransferNet's attention grid, 20 x 20 for 320 x 320 inputs; the fully connected
layers are dropped for the discriminative-localisation head, Sec. 3.1).

The max-pools keep their switches (``return_indices``): the class-agnostic decoder (Sec. 3.3,
TransferNet's deconvolution network) unpools with them.

Parameter names are torchvision's ``vgg16().features`` (``features.0`` = conv1_1 ...
``features.28`` = conv5_3), so the ImageNet checkpoint loads through
:func:`webvideo_wsss.convert.convert`. ``arch`` / ``widths`` make the tiny synthetic variant.

Why not mmpretrain's ``VGG``: it does not return the pooling switches the decoder needs.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from ..registry import MODELS

VGG16_ARCH = (2, 2, 3, 3, 3)
VGG16_WIDTHS = (64, 128, 256, 512, 512)


@MODELS.register_module()
class WebVideoVGG(nn.Module):
    """VGG body returning ``(features, switches, sizes)``.

    Args:
        arch: convolutions per block (VGG-16: 2, 2, 3, 3, 3).
        widths: channels per block (VGG-16: 64, 128, 256, 512, 512).
        num_pools: max-pools after the first ``num_pools`` blocks (4: stride 16).
        in_channels: input channels.
        init_cfg: ``dict(type='Pretrained', checkpoint=PATH)`` (ours, from
            :func:`webvideo_wsss.convert.convert`) or None (Kaiming init).
    Shape: ``(B, 3, H, W)`` -> ``(B, widths[-1], H / 2**num_pools, W / 2**num_pools)``, with
    the pool switches and the pre-pool sizes of each pooled block (for ``MaxUnpool2d``).
    """

    def __init__(self, arch=VGG16_ARCH, widths=VGG16_WIDTHS, num_pools: int = 4,
                 in_channels: int = 3, init_cfg=None):
        super().__init__()
        if len(arch) != len(widths):
            raise ValueError(f'arch {arch} and widths {widths} differ in length')
        if not 0 <= num_pools <= len(arch):
            raise ValueError(f'num_pools={num_pools} must be in 0..{len(arch)}')
        self.arch, self.widths, self.num_pools = tuple(arch), tuple(widths), num_pools
        self.init_cfg = init_cfg
        layers, self.block_ends, c = [], [], in_channels
        for b, (n, w) in enumerate(zip(arch, widths)):
            for _ in range(n):
                layers += [nn.Conv2d(c, w, 3, padding=1), nn.ReLU(inplace=True)]
                c = w
            self.block_ends.append(len(layers))
            if b < num_pools:
                layers.append(nn.MaxPool2d(2, 2, return_indices=True))
        self.features = nn.Sequential(*layers)
        self.out_channels = c
        self.stride = 2 ** num_pools
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                nn.init.zeros_(m.bias)

    def init_weights(self):
        if self.init_cfg and self.init_cfg.get('type') == 'Pretrained':
            from cvshared.engine.weights import load_weights
            load_weights(self, self.init_cfg['checkpoint'], strict=True, paper='webvideo_wsss')

    def forward(self, x: torch.Tensor):
        switches, sizes = [], []
        for layer in self.features:
            if isinstance(layer, nn.MaxPool2d):
                sizes.append(x.shape[-2:])
                x, idx = layer(x)
                switches.append(idx)
            else:
                x = layer(x)
        return x, switches, sizes
