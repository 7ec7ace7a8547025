"""The MotionSqueeze (MS) module (Kwon, Kim, Kwak & Cho, ECCV 2020, Sec. 3, Fig. 2).

Inserted after res3 (mmaction2's ``layer2``) of TSM-ResNet by
:class:`cvshared.video.stage_blocks.ResNetTSMWithBlocks`: it maps the stage output
``F`` ``(N*T, C, H, W)`` to ``F + g(motion(F))`` of the same shape.

Steps (paper Sec. 3.1-3.3; official ``arunos728/MotionSqueeze`` ``resnet_TSM.py`` at
``e94684d05347a75dd1b487fe426e00b19b29bc93``, ``ResNet.flow_computation``):

1. channel reduction ``conv1x1(C -> 64) + BN + ReLU`` (official ``ResNet.chnl_reduction``);
2. frame pairs ``(t, t+1)``, ``t = 0..T-2`` of every clip;
3. correlation (paper Eq. 1): ``s(x, p, t) = relu(<f_t(x) / |f_t(x)|, f_{t+1}(x + p) /
   |f_{t+1}(x + p)|>)`` for ``p`` in a ``P x P`` window, ``P = 15`` (official
   ``Matching_layer_scs`` / ``Matching_layer_mm``; the shared op
   :func:`cvshared.ops.correlation.cosine_local_correlation`, L2 with ``eps = 1e-6`` on the
   squared norm, then the ReLU);
4. kernel soft-argmax (paper Eqs. 2-4): Gaussian ``sigma = 5`` around the argmax displacement,
   softmax with temperature ``tau = 100``, expected displacement normalised by ``r = 7`` to
   ``[-1, 1]`` (``flow_x``, ``flow_y``) and the confidence map ``max_p s(x, p, t)`` (paper
   Eq. 5; official ``match_to_flow_soft`` + ``apply_gaussian_kernel`` with ``k = 1``; the shared
   op :func:`cvshared.ops.soft_argmax.kernel_soft_argmax`);
5. motion features ``cat[flow_x, flow_y, confidence]`` ``(N, T-1, 3, H, W)``, the last pair
   duplicated to get ``T`` steps (official ``Flow_refinement.forward``), then four
   depthwise-separable blocks, each ``dw conv + BN + ReLU, pw 1x1 + BN + ReLU``:
   ``7x7 dw on 3 -> pw 16``, ``3x3 -> 32``, ``3x3 -> 64``, ``3x3 -> C`` (paper Sec. 3.3
   "motion feature extraction"; official ``Flow_refinement.conv1..conv4``);
6. fusion: the motion features are ADDED to ``F`` (no activation after the sum).

Initialisation as the official ``ResNet.__init__``: every conv Kaiming-normal ``fan_out`` /
``relu``, every BN weight 1 and bias 0 (the official code has no zero-initialised BN in the MS
module, so the block is not an identity at initialisation).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.ops.correlation import cosine_local_correlation
from cvshared.ops.soft_argmax import kernel_soft_argmax
from mmengine.model import BaseModule

from ..registry import MODELS

__all__ = ['MotionSqueezeBlock', 'DepthwiseSeparable']


class DepthwiseSeparable(nn.Sequential):
    """``dw kxk conv (groups = in) + BN + ReLU, pw 1x1 conv + BN + ReLU`` (no biases).

    Official ``Flow_refinement.conv{1..4}``; indices ``0..5`` of the ``nn.Sequential`` are the
    official ones, so state dicts map one to one.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__(
            nn.Conv2d(in_channels, in_channels, kernel_size, padding=kernel_size // 2,
                      groups=in_channels, bias=False),
            nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


@MODELS.register_module()
class MotionSqueezeBlock(BaseModule):
    """MS module: ``F -> F + encoder(flow_x, flow_y, confidence)`` (module docstring).

    Args:
        in_channels: channels ``C`` of the stage output (512 for R50 res3, 128 for R18).
        num_segments: ``T``, frames per clip (given by the backbone when the config omits it).
        reduced_channels: channels after the 1x1 reduction (paper: 64).
        patch_size: ``P``, displacements per axis (paper: 15, i.e. -7..7).
        sigma: Gaussian width of the kernel soft-argmax in displacement units (paper: 5).
        temperature: softmax temperature ``tau`` (paper: 100, same in training and test).
        encoder_channels: widths of the first three depthwise-separable blocks (16, 32, 64);
            the fourth maps to ``in_channels``.
        first_kernel: kernel of the first depthwise conv (7; the others are 3).
        keep_motion: keep the last ``flow`` ``(N*(T-1), 2, H, W)`` and ``confidence``
            ``(N*(T-1), 1, H, W)`` (detached) in ``self.last_motion`` for the visualization.

    Shape: ``(N*T, C, H, W)`` -> ``(N*T, C, H, W)``.
    """

    def __init__(self, in_channels: int = 512, num_segments: int = 8,
                 reduced_channels: int = 64, patch_size: int = 15, sigma: float = 5.0,
                 temperature: float = 100.0, encoder_channels=(16, 32, 64),
                 first_kernel: int = 7, keep_motion: bool = False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if num_segments < 2:
            raise ValueError(f'MotionSqueezeBlock needs num_segments >= 2 (frame pairs), got '
                             f'{num_segments}')
        if patch_size % 2 == 0:
            raise ValueError(f'patch_size must be odd (displacements -r..r), got {patch_size}')
        self.in_channels, self.num_segments = in_channels, num_segments
        self.patch_size, self.sigma, self.temperature = patch_size, sigma, temperature
        self.keep_motion = keep_motion
        self.last_motion: dict | None = None
        self.reduce = nn.Sequential(
            nn.Conv2d(in_channels, reduced_channels, 1, bias=False),
            nn.BatchNorm2d(reduced_channels), nn.ReLU(inplace=True))
        widths = (3, *encoder_channels, in_channels)
        kernels = (first_kernel,) + (3,) * (len(widths) - 2)
        self.encoder = nn.Sequential(*(DepthwiseSeparable(c_in, c_out, k) for c_in, c_out, k
                                       in zip(widths[:-1], widths[1:], kernels)))
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Official ``ResNet.__init__`` loop: Kaiming normal (fan_out, relu), BN (1, 0)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def init_weights(self) -> None:
        if self.init_cfg:
            super().init_weights()
        else:
            self._reset_parameters()
            self._is_init = True

    def _clips(self, x: torch.Tensor) -> int:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'MotionSqueezeBlock expects (N*T, {self.in_channels}, H, W), got '
                             f'{tuple(x.shape)}')
        if x.shape[0] % self.num_segments:
            raise ValueError(f'batch {x.shape[0]} is not a multiple of num_segments '
                             f'{self.num_segments} (frames of N clips, clip-major)')
        return x.shape[0] // self.num_segments

    def correlation(self, x: torch.Tensor) -> torch.Tensor:
        """Steps 1-3: ``relu`` cosine correlation ``(N*(T-1), P, P, H, W)`` of frame ``t``
        (query) with frame ``t+1`` (target); ``[.., u, v, y, x]`` is displacement
        ``(u - r, v - r)`` (rows, columns)."""
        n = self._clips(x)
        f = self.reduce(x)
        f = f.view(n, self.num_segments, *f.shape[1:])
        pre = f[:, :-1].reshape(-1, *f.shape[2:])
        post = f[:, 1:].reshape(-1, *f.shape[2:])
        return F.relu(cosine_local_correlation(pre, post, self.patch_size))

    def motion(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Steps 1-4: ``flow`` ``(N*(T-1), 2, H, W)`` (``flow_x``, ``flow_y`` in [-1, 1],
        displacement / ``r``, motion from ``t`` to ``t+1``) and ``confidence``
        ``(N*(T-1), 1, H, W)``."""
        return kernel_soft_argmax(self.correlation(x), sigma=self.sigma,
                                  temperature=self.temperature)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flow, confidence = self.motion(x)
        if self.keep_motion:
            self.last_motion = dict(flow=flow.detach(), confidence=confidence.detach())
        m = torch.cat([flow, confidence], dim=1)  # (N*(T-1), 3, H, W)
        m = m.view(-1, self.num_segments - 1, *m.shape[1:])
        m = torch.cat([m, m[:, -1:]], dim=1).flatten(0, 1)  # the last pair duplicated: T steps
        return x + self.encoder(m)
