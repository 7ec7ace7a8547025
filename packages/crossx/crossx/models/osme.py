"""OSME (one-squeeze multi-excitation) and the ResNet-50 / SE-ResNet-50 backbones of Cross-X.

Luo et al., "Cross-X Learning for Fine-Grained Visual Categorization", ICCV 2019
(arXiv 1909.04412), the OSME block (Sec. 3, Fig. 1; equation numbers not given here: the
paper text was not available offline to check them): one global average pool ``s = GAP(X)``, then P
excitations ``e_p = sigmoid(W2_p ReLU(W1_p s))`` and part maps ``U_p = X * e_p``. Mirrors
``MELayer`` / ``Bottleneck.forward`` / ``ResNet.forward`` of the official ``crossxresnetmix.py``
(and ``SEBottleneck`` / ``SeNet`` of ``crossxsenetmix.py``), commit 0ed68c1.
"""
from __future__ import annotations

import torch
import torch.nn as nn
from mmpretrain.models.backbones.resnet import Bottleneck, ResLayer, ResNet
from mmpretrain.models.backbones.seresnet import SEBottleneck, SEResNet

from ..registry import MODELS


class OSME(nn.Module):
    """One squeeze, ``num_parts`` excitations (paper: OSME; official ``MELayer``).

    Each excitation is ``Linear(C, C // reduction) -> ReLU -> Linear(C // reduction, C) ->
    sigmoid`` (both with bias). With ``num_parts = 1`` this is exactly an SE layer.

    Args:
        channels: C, the channels of the feature map.
        num_parts: P.
        reduction: r (the official ResNet uses 256: 1024 -> 4 and 2048 -> 8 hidden units).
    Shape: ``(B, C, H, W)`` -> P tensors ``(B, C, H, W)`` (``U_p``); :meth:`gates` gives the
    ``(B, P, C)`` excitations.
    """

    def __init__(self, channels: int, num_parts: int = 2, reduction: int = 256):
        super().__init__()
        hidden = channels // reduction
        if hidden < 1:
            raise ValueError(f'OSME: channels {channels} // reduction {reduction} is 0; '
                             'lower the reduction')
        self.num_parts = num_parts
        self.excitations = nn.ModuleList(
            nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(inplace=True),
                          nn.Linear(hidden, channels), nn.Sigmoid())
            for _ in range(num_parts))

    def gates(self, x: torch.Tensor) -> torch.Tensor:
        squeeze = x.mean(dim=(2, 3))
        return torch.stack([e(squeeze) for e in self.excitations], dim=1)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        gates = self.gates(x)
        return [x * gates[:, p, :, None, None] for p in range(self.num_parts)]

def _part_maps(parts: list[torch.Tensor], identity: torch.Tensor, relu) -> list[torch.Tensor]:
    """``ReLU(U_p + residual)`` (official ``Bottleneck.forward``)."""
    return [relu(u + identity) for u in parts]

class OSMEBottleneck(Bottleneck):
    """mmpretrain ``Bottleneck`` whose output is ``(ReLU(out + identity), [ReLU(U_p +
    identity)])``, ``U_p`` the OSME part maps of the block's last BN output (official
    ``Bottleneck`` with ``meflag=True``). Used as the last block of stages 3 and 4."""

    def __init__(self, in_channels, out_channels, num_parts=2, osme_reduction=256, **kwargs):
        super().__init__(in_channels, out_channels, **kwargs)
        self.osme = OSME(out_channels, num_parts, osme_reduction)

    def _residual_branch(self, x):
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.relu(self.norm2(self.conv2(out)))
        return self.norm3(self.conv3(out))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self._residual_branch(x)
        parts = self.osme(out)
        return self.relu(out + identity), _part_maps(parts, identity, self.relu)

class OSMESEBottleneck(SEBottleneck):
    """mmpretrain ``SEBottleneck`` with OSME (official ``SEBottleneck`` with ``meflag=True``):
    the main path is SE-gated as in every SE block, the parts are excited from the ungated
    last BN output, and both share the squeeze (the same global average)."""

    def __init__(self, in_channels, out_channels, num_parts=2, osme_reduction=64, **kwargs):
        super().__init__(in_channels, out_channels, **kwargs)
        self.osme = OSME(out_channels, num_parts, osme_reduction)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.relu(self.norm2(self.conv2(out)))
        out = self.norm3(self.conv3(out))
        parts = self.osme(out)
        out = self.se_layer(out)
        return self.relu(out + identity), _part_maps(parts, identity, self.relu)

class _CrossXMixin:
    """Replaces the last block of stages 3 and 4 (``osme_stages``) by its OSME version and
    returns ``(stage-3 part maps, stage-4 part maps)``, each a tuple of P ``(B, C, H, W)``
    maps (official ``ResNet.forward`` with ``meflag=True``)."""

    osme_block: type

    def _install_osme(self, num_parts, osme_reductions, osme_stages):
        if len(osme_reductions) != len(osme_stages):
            raise ValueError('osme_reductions needs one reduction per stage in osme_stages')
        self.num_parts, self.osme_stages = num_parts, tuple(osme_stages)
        for stage, reduction in zip(osme_stages, osme_reductions):
            layer = getattr(self, f'layer{stage + 1}')
            old = layer[-1]
            if len(layer) < 2:
                raise ValueError(f'stage {stage + 1} has one block; OSME needs a last block '
                                 'without downsampling (official _make_layer)')
            kwargs = dict(expansion=old.expansion, stride=old.stride, dilation=old.dilation,
                          downsample=old.downsample, style=old.style, with_cp=old.with_cp,
                          conv_cfg=old.conv_cfg, norm_cfg=old.norm_cfg)
            if isinstance(old, SEBottleneck):
                kwargs['se_ratio'] = self._se_ratio_of(old)
            layer[-1] = self.osme_block(old.in_channels, old.out_channels, num_parts=num_parts,
                                        osme_reduction=reduction, **kwargs)

    @staticmethod
    def _se_ratio_of(block):
        return block.out_channels // block.se_layer.conv1.conv.out_channels

    def forward(self, x):
        if not self.osme_stages:   # no OSME: the plain ResNet (the baseline)
            return super().forward(x)
        x = self.relu(self.norm1(self.conv1(x))) if not self.deep_stem else self.stem(x)
        x = self.maxpool(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.osme_stages:
                x, parts = x
                outs.append(tuple(parts))
        return tuple(outs)

@MODELS.register_module()
class CrossXResNet(_CrossXMixin, ResNet):
    """mmpretrain ``ResNet`` (torchvision key names, so ImageNet weights load as they are)
    whose last block of stages 3 and 4 carries OSME (paper Fig. 1).

    Args:
        num_parts: P (2 in every official ResNet run).
        osme_reductions: r of each OSME stage (official: 256, 256).
        osme_stages: 0-based stages whose last block carries OSME (official: 2, 3); empty:
            the plain mmpretrain ResNet (output as ``out_indices``), our baseline.
        stage_blocks: Blocks per stage, to override ``depth`` (small models for tests and
            the synthetic run); ``None``: the depth's.
        **kwargs: mmpretrain ``ResNet`` arguments (``depth=50``, ``zero_init_residual``...).
    Output: ``(parts of stage 3, parts of stage 4)``.
    """

    osme_block = OSMEBottleneck

    def __init__(self, depth=50, num_parts=2, osme_reductions=(256, 256), osme_stages=(2, 3),
                 stage_blocks=None, **kwargs):
        _with_stage_blocks(self, depth, stage_blocks)
        super().__init__(depth=depth, **kwargs)
        self._install_osme(num_parts, osme_reductions, osme_stages)

@MODELS.register_module()
class CrossXSEResNet(_CrossXMixin, SEResNet):
    """mmpretrain ``SEResNet`` with OSME in the last block of stages 3 and 4 (official
    ``crossxsenet*.py``: per-stage SE ratios 16 / 32 / 64 / 128, OSME reduction = the stage's
    SE ratio, P = 2, 3 on Dogs).

    Args:
        se_ratios: SE ratio of each stage (mmpretrain ``SEResNet`` has one for all).
        num_parts, osme_reductions, osme_stages, stage_blocks: as :class:`CrossXResNet`.
    """

    osme_block = OSMESEBottleneck

    def __init__(self, depth=50, se_ratios=(16, 32, 64, 128), num_parts=2,
                 osme_reductions=(64, 128), osme_stages=(2, 3), stage_blocks=None, **kwargs):
        _with_stage_blocks(self, depth, stage_blocks)
        self._se_ratios, self._stage = tuple(se_ratios), 0
        super().__init__(depth=depth, se_ratio=se_ratios[0], **kwargs)
        self._install_osme(num_parts, osme_reductions, osme_stages)

    def make_res_layer(self, **kwargs):
        ratio = self._se_ratios[self._stage]
        self._stage += 1
        return ResLayer(se_ratio=ratio, **kwargs)

def _with_stage_blocks(module, depth, stage_blocks):
    """Per-instance ``arch_settings`` with ``depth``'s block type and ``stage_blocks``."""
    if stage_blocks is None:
        return
    block = type(module).arch_settings[depth][0]
    module.arch_settings = {**type(module).arch_settings, depth: (block, tuple(stage_blocks))}
