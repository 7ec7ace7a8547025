"""ResNet-38 (Wu, Shen & van den Hengel's wide ResNet "A1", output stride 8), PSA's backbone.

OpenMMLab (mmpretrain 1.2 / mmseg 1.2) ships no ResNet-38, so it is written here, with the module
names of the official ``network/resnet38d.py`` (``conv1a``, ``b2`` .. ``b7``, ``bn7``) so that
the official converted ImageNet weights and the released trained nets load by prefix only
(:mod:`psa.convert`).

Layout (pre-activation residual blocks, BN -> ReLU -> conv; default widths):

* ``conv1a`` 3x3 3->64; ``b2`` (x3, first stride 2) 128; ``b3`` (x3, stride 2) 256;
  ``b4`` (x6, stride 2) 512;
* ``b5`` (x3, dilation 2, first dilation 1) 512->1024;
* ``b6`` bottleneck 1024->2048 (dilation 4, dropout 0.3), ``b7`` bottleneck 2048->4096
  (dilation 4, dropout 0.5), ``bn7`` + ReLU.

Outputs (:meth:`ResNet38.forward`): ``dict(conv4=..., conv5=..., conv6=...)``: the BN-ReLU input
of ``b5`` (512 ch), the BN-ReLU input of ``b6`` (1024 ch) and ``relu(bn7(b7))`` (4096 ch), all
at stride 8.  ``widths`` / ``depths`` shrink the net for the synthetic runs.

Training mode follows the official ``Net.train``: every BatchNorm stays in eval mode with frozen
affine parameters (``norm_eval``) and the listed ``frozen`` modules get no gradient (PSA:
``conv1a, b2, b2_1, b2_2``).  Dropout2d of ``b6`` / ``b7`` is active in training.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from ..registry import MODELS

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class ResBlock(nn.Module):
    """Pre-activation basic block: ``x + conv(relu(bn(conv(relu(bn(x))))))`` (1x1 projection
    of the activated input when the shape changes)."""

    def __init__(self, in_channels, mid_channels, out_channels, stride=1, first_dilation=None,
                 dilation=1):
        super().__init__()
        self.same_shape = in_channels == out_channels and stride == 1
        first_dilation = dilation if first_dilation is None else first_dilation
        self.bn_branch2a = nn.BatchNorm2d(in_channels)
        self.conv_branch2a = nn.Conv2d(in_channels, mid_channels, 3, stride,
                                       padding=first_dilation, dilation=first_dilation, bias=False)
        self.bn_branch2b1 = nn.BatchNorm2d(mid_channels)
        self.conv_branch2b1 = nn.Conv2d(mid_channels, out_channels, 3, padding=dilation,
                                        dilation=dilation, bias=False)
        if not self.same_shape:
            self.conv_branch1 = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)

    def forward(self, x):
        """Returns ``(out, relu(bn(x)))``."""
        act = F.relu(self.bn_branch2a(x))
        shortcut = x if self.same_shape else self.conv_branch1(act)
        y = self.conv_branch2b1(F.relu(self.bn_branch2b1(self.conv_branch2a(act))))
        return shortcut + y, act


class BottleneckBlock(nn.Module):
    """Pre-activation bottleneck ``1x1 (out/4) -> 3x3 dilated (out/2) -> 1x1 (out)`` with
    Dropout2d before the last two convs; always a 1x1 projection shortcut."""

    def __init__(self, in_channels, out_channels, stride=1, dilation=1, dropout=0.0):
        super().__init__()
        self.bn_branch2a = nn.BatchNorm2d(in_channels)
        self.conv_branch2a = nn.Conv2d(in_channels, out_channels // 4, 1, stride, bias=False)
        self.bn_branch2b1 = nn.BatchNorm2d(out_channels // 4)
        self.dropout_2b1 = nn.Dropout2d(dropout)
        self.conv_branch2b1 = nn.Conv2d(out_channels // 4, out_channels // 2, 3, padding=dilation,
                                        dilation=dilation, bias=False)
        self.bn_branch2b2 = nn.BatchNorm2d(out_channels // 2)
        self.dropout_2b2 = nn.Dropout2d(dropout)
        self.conv_branch2b2 = nn.Conv2d(out_channels // 2, out_channels, 1, bias=False)
        self.conv_branch1 = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)

    def forward(self, x):
        act = F.relu(self.bn_branch2a(x))
        shortcut = self.conv_branch1(act)
        y = self.conv_branch2a(act)
        y = self.conv_branch2b1(self.dropout_2b1(F.relu(self.bn_branch2b1(y))))
        y = self.conv_branch2b2(self.dropout_2b2(F.relu(self.bn_branch2b2(y))))
        return shortcut + y, act


@MODELS.register_module()
class ResNet38(BaseModule):
    """Wide ResNet-38 "A1" at output stride 8 (module docstring).

    Args:
        widths: Output channels of ``conv1a, b2, b3, b4, b5, b7`` (official
            ``(64, 128, 256, 512, 1024, 4096)``; ``b6`` has ``widths[5] // 2``).
        depths: Blocks of the stages ``b2, b3, b4, b5`` (official ``(3, 3, 6, 3)``).
        dropouts: Dropout2d of ``b6`` and ``b7`` (official ``(0.3, 0.5)``).
        norm_eval: Keep every BatchNorm in eval mode with frozen affine parameters (official).
        frozen: Names of modules whose parameters get no gradient (official ``conv1a`` for the
            bare backbone; ``conv1a, b2, b2_1, b2_2`` in the CAM and affinity nets).
        init_cfg: e.g. ``dict(type='Pretrained', checkpoint='checkpoints/resnet38d_imagenet.pth',
            prefix='backbone.')`` (the converted ImageNet weights).
        out_keys: ``None`` (the CAM and affinity nets): :meth:`forward` returns the dict of
            ``conv4, conv5, conv6``. A sequence of those names (e.g. ``('conv6',)``, the
            DeepLab stage's mmseg ``EncoderDecoder``, whose decode head indexes its inputs):
            a tuple of those maps in that order.
    """

    def __init__(self, widths=(64, 128, 256, 512, 1024, 4096), depths=(3, 3, 6, 3),
                 dropouts=(0.3, 0.5), norm_eval: bool = True,
                 frozen=('conv1a', 'b2', 'b2_1', 'b2_2'), init_cfg=None, out_keys=None):
        super().__init__(init_cfg=init_cfg)
        if out_keys is not None:
            out_keys = (out_keys,) if isinstance(out_keys, str) else tuple(out_keys)
            bad = [k for k in out_keys if k not in ('conv4', 'conv5', 'conv6')]
            if bad or not out_keys:
                raise ValueError(f'ResNet38: out_keys {out_keys} must name some of conv4, '
                                 'conv5, conv6')
        self.out_keys = out_keys
        if len(widths) != 6 or len(depths) != 4 or min(depths) < 1:
            raise ValueError(f'ResNet38: widths needs 6 entries and depths 4 (>= 1), got '
                             f'{widths}, {depths}')
        w0, w2, w3, w4, w5, w7 = widths
        self.conv1a = nn.Conv2d(3, w0, 3, padding=1, bias=False)
        self.block_names = []
        c_in = w0
        # stages b2, b3, b4: stride 2 then identity blocks; b5: dilation 2 (first conv dilation 1)
        for stage, (width, depth) in enumerate(zip((w2, w3, w4, w5), depths), start=2):
            for i in range(depth):
                name = f'b{stage}' if i == 0 else f'b{stage}_{i}'
                if stage < 5:
                    block = ResBlock(c_in, width, width, stride=2 if i == 0 else 1)
                else:
                    block = ResBlock(c_in, w4, width, stride=1,
                                     first_dilation=1 if i == 0 else 2, dilation=2)
                self.add_module(name, block)
                self.block_names.append(name)
                c_in = width
        self.b6 = BottleneckBlock(c_in, w7 // 2, dilation=4, dropout=dropouts[0])
        self.b7 = BottleneckBlock(w7 // 2, w7, dilation=4, dropout=dropouts[1])
        self.bn7 = nn.BatchNorm2d(w7)
        self.out_channels = dict(conv4=w4, conv5=w5, conv6=w7)
        self.norm_eval = norm_eval
        self.frozen = tuple(frozen)
        self._freeze()

    def _freeze(self):
        for name in self.frozen:
            if not hasattr(self, name):  # e.g. b2_2 of a shallow synthetic net
                continue
            for p in getattr(self, name).parameters():
                p.requires_grad_(False)
        if self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.weight.requires_grad_(False)
                    m.bias.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()
        return self

    def forward(self, x: torch.Tensor):
        """``(B, 3, H, W)`` normalised image -> ``dict(conv4, conv5, conv6)`` at stride 8 (a
        tuple of the ``out_keys`` maps when set)."""
        x = self.conv1a(x)
        conv4 = None
        for name in self.block_names:
            x, act = getattr(self, name)(x)
            if name == 'b5':
                conv4 = act
        x, conv5 = self.b6(x)
        x, _ = self.b7(x)
        conv6 = F.relu(self.bn7(x))
        out = dict(conv4=conv4, conv5=conv5, conv6=conv6)
        if self.out_keys is not None:
            return tuple(out[k] for k in self.out_keys)
        return out
