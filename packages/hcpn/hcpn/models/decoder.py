"""The HCPN decoder (official ``libs/model/HCPN.py``, ``DecoderNet``).

For each target frame i in {1, 2}, with the encoder outputs ``F_l,i`` (l = 2..5):

- MotionContour_l (:class:`cvshared.vos.MotionRef`, shared by both targets) gives a logit map
  ``c_l,i = MC_l(F_l,i)``; the contour map is ``c_i = sigmoid(conv3x3_{4->1}(cat_l up(c_l,i)))``
  with every ``c_l,i`` bilinearly upsampled to the output size.
- The mask path reads ``X_l = cat[F_l,i, c_l,i]``: ``m_5 = ResBlock(GC(X_5))``,
  ``m_l = Refine_l(X_l, m_l+1)`` for l = 4, 3, 2, and
  ``mask_i = sigmoid(up(conv3x3(ReLU(m_2))))``. Unlike HGPU, the mask is NOT multiplied by the
  contour map.

The official code hard-codes the output size (``ws = 512``); here it is the ``size`` argument
(the input's spatial size). The official ``pred3`` / ``pred4`` / ``pred5`` heads and each
Refine's ``convFS1`` are built but never used; they are not built here (:mod:`hcpn.convert`
drops their keys by name). The unused PDC branches ``block2`` / ``block3`` (rate-6 reuse) and
the unused iAFF ``global_att2`` stay (shared blocks), so distributed training needs
``find_unused_parameters=True``.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.vos import GlobalConv, MotionRef, Refine, ResBlock, init_decoder_weights
from mmengine.model import BaseModule

from ..registry import MODELS


@MODELS.register_module()
class HCPNDecoder(BaseModule):
    """Mask and contour decoder of HCPN.

    Args:
        in_channels: channels of ``F_2 .. F_5`` (``2 C_l``: 512, 1024, 2048, 4096 for
            ResNet-101).
        mdim: width of the mask path (256).
        gc_kernel: kernel length of the global convolution (7).
        reuse_rate6: the official PDC quirk inside Refine (the rate-6 branch applied three
            times); keep ``True`` to load official weights.

    Shape: ``forward(feats1, feats2, size)`` -> ``(m1, c1, m2, c2)``, each ``(B, 1, *size)``,
    probabilities (after the sigmoid).
    """

    def __init__(self, in_channels=(512, 1024, 2048, 4096), mdim: int = 256,
                 gc_kernel: int = 7, reuse_rate6: bool = True, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != 4:
            raise ValueError(f'HCPNDecoder needs the channels of F_2..F_5, got {in_channels}')
        c2, c3, c4, c5 = in_channels
        self.in_channels = tuple(in_channels)
        # MotionContour_l, l = 2..5
        self.contour = nn.ModuleDict({str(level): MotionRef(c) for level, c in
                                      zip(range(2, 6), in_channels)})
        self.contour_fuse = nn.Conv2d(4, 1, kernel_size=3, padding=1)
        self.gc = GlobalConv(c5 + 1, mdim, kernel_size=gc_kernel, hidden=256)
        self.gc_res = ResBlock(mdim)
        self.refine = nn.ModuleDict({
            str(level): Refine(c + 1, mdim=mdim, reuse_rate6=reuse_rate6, keep_unused=False)
            for level, c in ((4, c4), (3, c3), (2, c2))})
        self.pred = nn.Conv2d(mdim, 1, kernel_size=3, padding=1)
        init_decoder_weights(self)

    def contours(self, feats, size):
        """``(c_l logits for l = 2..5, c = sigmoid(fused upsampled logits))``."""
        logits = [self.contour[str(level)](f) for level, f in zip(range(2, 6), feats)]
        up = [F.interpolate(c, size=size, mode='bilinear', align_corners=False) for c in logits]
        return logits, torch.sigmoid(self.contour_fuse(torch.cat(up, dim=1)))

    def mask(self, feats, logits, size):
        """The mask path on ``X_l = cat[F_l, c_l]``."""
        x2, x3, x4, x5 = (torch.cat([f, c], dim=1) for f, c in zip(feats, logits))
        m = self.gc_res(self.gc(x5))
        m = self.refine['4'](x4, m)
        m = self.refine['3'](x3, m)
        m = self.refine['2'](x2, m)
        p = F.interpolate(self.pred(F.relu(m)), size=size, mode='bilinear',
                          align_corners=False)
        return torch.sigmoid(p)

    def forward_one(self, feats, size):
        """``(mask, contour)`` of one target frame."""
        if len(feats) != 4:
            raise ValueError(f'HCPNDecoder expects the four levels F_2..F_5, got {len(feats)}')
        logits, contour = self.contours(feats, size)
        return self.mask(feats, logits, size), contour

    def forward(self, feats1, feats2, size):
        size = tuple(int(s) for s in size)
        m1, c1 = self.forward_one(feats1, size)
        m2, c2 = self.forward_one(feats2, size)
        return m1, c1, m2, c2
