"""Decoder blocks of the zero-shot VOS papers (HGPU ``DecoderNet``, HCPN ``DecoderNet``).

Both official decoders are built from the same pieces (``libs/model/HGPU.py`` and
``libs/model/HCPN.py`` hold the same ``GC``, ``AtrousBlock``, ``PyramidDilationConv`` and
``Refine``, and ``MotionRef`` = ``MotionContour``). Parameter names follow the official modules,
so an official state_dict loads into these blocks without renaming:

- :class:`GlobalConv` (``GC``): ``conv_r2(conv_r1(x)) + conv_l2(conv_l1(x))``, ``(k x 1 -> 1 x k)``
  plus ``(1 x k -> k x 1)``, ``hidden`` channels in between (official 256), padding k // 2.
- :class:`PDC` (``PyramidDilationConv``): ``BN(cat[block0(x), b1(x), b2(x), b3(x)])``, block0 a
  1x1 conv and ``block{1,2,3}.conv`` dilated 3x3 convs of rate 6 / 12 / 18, each to
  ``out_channels // 4``. With ``reuse_rate6=True`` (official quirk) ``b1 = b2 = b3 = block1`` (the
  rate-6 branch three times; ``block2`` and ``block3`` exist as unused parameters).
- :class:`Refine`: ``s = PDC(f)``; ``s <- s + convFS3(ReLU(convFS2(ReLU(s))))``;
  ``m = s + up(pm)`` (bilinear, ``align_corners=False``, to ``s``'s size);
  ``m <- m + convMM2(ReLU(convMM1(ReLU(m))))``. ``convFS1`` is built (unused) when
  ``keep_unused=True`` so that the official state_dict loads strictly.
- :class:`MotionRef` (HGPU ``MotionRef``, HCPN ``MotionContour``):
  ``conv3(ReLU(conv2(BN2(ReLU(conv1(BN1(x)))))))`` with conv1/conv2 3x3 to ``hidden`` (64) and conv3
  1x1 to one logit map (no sigmoid).
- :class:`ResBlock`: ``x + conv2(ReLU(conv1(ReLU(x))))`` with 3x3 convs (the ``convG1``/``convG2``
  unit after the global convolution).

Every block initialises itself as the official decoders do (:func:`init_decoder_weights`:
convolutions N(0, 0.001) with zero bias, BN weight 1 and bias 0); pass ``official_init=False`` to
keep PyTorch's default initialisation. Registered in mmengine's root ``MODELS`` (found from
mmseg's scope too).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import MODELS

__all__ = ['init_decoder_weights', 'GlobalConv', 'AtrousConv', 'PDC', 'Refine', 'MotionRef',
           'ResBlock']


def init_decoder_weights(module: nn.Module) -> nn.Module:
    """The official decoder initialisation, applied to every submodule of ``module``:
    ``Conv2d`` weight N(0, 0.001), bias 0; ``BatchNorm2d`` weight 1, bias 0; ``Linear`` weight
    N(0, 0.01), bias 0. Returns ``module``."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, 0.0, 0.001)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.01)
            nn.init.zeros_(m.bias)
    return module


@MODELS.register_module()
class GlobalConv(nn.Module):
    """Global convolution (``GC``): two separable k x k paths, summed."""

    def __init__(self, in_channels: int, out_channels: int = 256, kernel_size: int = 7,
                 hidden: int = 256, official_init: bool = True):
        super().__init__()
        k, p = kernel_size, kernel_size // 2
        self.conv_l1 = nn.Conv2d(in_channels, hidden, kernel_size=(k, 1), padding=(p, 0))
        self.conv_l2 = nn.Conv2d(hidden, out_channels, kernel_size=(1, k), padding=(0, p))
        self.conv_r1 = nn.Conv2d(in_channels, hidden, kernel_size=(1, k), padding=(0, p))
        self.conv_r2 = nn.Conv2d(hidden, out_channels, kernel_size=(k, 1), padding=(p, 0))
        if official_init:
            init_decoder_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_l2(self.conv_l1(x)) + self.conv_r2(self.conv_r1(x))


class AtrousConv(nn.Module):
    """A dilated 3x3 convolution with ``padding = rate`` (official ``AtrousBlock``)."""

    def __init__(self, in_channels: int, out_channels: int, rate: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, dilation=rate,
                              padding=rate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


@MODELS.register_module()
class PDC(nn.Module):
    """Pyramid dilated convolution (``PyramidDilationConv``); see the module docstring."""

    def __init__(self, in_channels: int, out_channels: int = 256, reuse_rate6: bool = True,
                 rates: tuple[int, int, int] = (6, 12, 18), official_init: bool = True):
        super().__init__()
        if out_channels % 4:
            raise ValueError(f'PDC out_channels must be divisible by 4, got {out_channels}')
        branch = out_channels // 4
        self.block0 = nn.Conv2d(in_channels, branch, kernel_size=1)
        self.block1 = AtrousConv(in_channels, branch, rates[0])
        self.block2 = AtrousConv(in_channels, branch, rates[1])
        self.block3 = AtrousConv(in_channels, branch, rates[2])
        self.bn = nn.BatchNorm2d(out_channels)
        self.reuse_rate6 = reuse_rate6
        if official_init:
            init_decoder_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.reuse_rate6:
            b1 = self.block1(x)  # the official code calls block1 three times: same tensor
            branches = [self.block0(x), b1, b1, b1]
        else:
            branches = [self.block0(x), self.block1(x), self.block2(x), self.block3(x)]
        return self.bn(torch.cat(branches, dim=1))


@MODELS.register_module()
class ResBlock(nn.Module):
    """``x + conv2(ReLU(conv1(ReLU(x))))``, 3x3 convolutions of ``mdim`` channels."""

    def __init__(self, mdim: int = 256, official_init: bool = True):
        super().__init__()
        self.conv1 = nn.Conv2d(mdim, mdim, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(mdim, mdim, kernel_size=3, padding=1)
        if official_init:
            init_decoder_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.relu(self.conv1(F.relu(x))))


@MODELS.register_module()
class Refine(nn.Module):
    """Refinement unit ``forward(f, pm)``: skip feature ``f`` through :class:`PDC` plus the
    upsampled coarser mask feature ``pm`` (``mdim`` channels); see the module docstring."""

    def __init__(self, in_channels: int, mdim: int = 256, reuse_rate6: bool = True,
                 keep_unused: bool = True, official_init: bool = True):
        super().__init__()
        if keep_unused:  # official convFS1: built, never called
            self.convFS1 = nn.Conv2d(in_channels, mdim, kernel_size=3, padding=1)
        self.convFS2 = nn.Conv2d(mdim, mdim, kernel_size=3, padding=1)
        self.convFS3 = nn.Conv2d(mdim, mdim, kernel_size=3, padding=1)
        self.convMM1 = nn.Conv2d(mdim, mdim, kernel_size=3, padding=1)
        self.convMM2 = nn.Conv2d(mdim, mdim, kernel_size=3, padding=1)
        self.pdc = PDC(in_channels, mdim, reuse_rate6=reuse_rate6, official_init=False)
        if official_init:
            init_decoder_weights(self)

    def forward(self, f: torch.Tensor, pm: torch.Tensor) -> torch.Tensor:
        s = self.pdc(f)
        s = s + self.convFS3(F.relu(self.convFS2(F.relu(s))))
        m = s + F.interpolate(pm, size=s.shape[2:], mode='bilinear', align_corners=False)
        return m + self.convMM2(F.relu(self.convMM1(F.relu(m))))


@MODELS.register_module()
class MotionRef(nn.Module):
    """BN -> conv3x3 -> ReLU -> BN -> conv3x3 -> ReLU -> conv1x1: one logit map per input
    (HGPU ``MotionRef``, HCPN ``MotionContour``)."""

    def __init__(self, in_channels: int, hidden: int = 64, official_init: bool = True):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, hidden, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(hidden)
        self.conv2 = nn.Conv2d(hidden, hidden, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(hidden, 1, kernel_size=1)
        if official_init:
            init_decoder_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv1(self.bn1(x)))
        x = F.relu(self.conv2(self.bn2(x)))
        return self.conv3(x)
