"""HFAN decode head: per-level fusion of the two streams + SegFormer's all-MLP decoder.

Input: the 4 MiT stages of the shared encoder, each ``2B x C_l x H_l x W_l`` with the B frame
features first and the B flow features second (see :class:`FrameFlowBackbone`). For each
level l the head splits them into (im_l, fw_l), fuses them with the module chosen by
``select_method`` and decodes the 4 fused maps with the all-MLP decoder of the official code
(per-level linear C_l -> E, bilinear upsampling to stride 4, concat of levels 4,3,2,1,
1x1 ConvModule 4E -> E with norm + ReLU, Dropout2d, 1x1 conv E -> classes).

``select_method`` reproduces the paper's ablations (Tab. 1-2): ``im`` (appearance only), ``fw``
(motion only), ``base`` (im + fw), ``fam`` (FAM), ``fat`` (FAT), ``hfan`` (FAM + FAT).
"""
from __future__ import annotations

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS

from .fusion import FeatureAdaptation, FeatureAlignment, HierarchicalFeatureAlignment

SELECT_METHODS = ('im', 'fw', 'base', 'fam', 'fat', 'hfan')
_FUSION = {'fam': FeatureAlignment, 'fat': FeatureAdaptation,
           'hfan': HierarchicalFeatureAlignment}


class TokenLinear(nn.Module):
    """Linear embedding C -> E applied to every pixel (token) of a ``B x C x H x W`` map."""

    def __init__(self, in_channels: int, embed_dim: int):
        super().__init__()
        self.proj = nn.Linear(in_channels, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        y = self.proj(x.flatten(2).transpose(1, 2))  # B x HW x E
        return y.transpose(1, 2).reshape(b, -1, h, w)


@MODELS.register_module()
class HFANHead(BaseDecodeHead):
    """Decode head of HFAN.

    Args:
        select_method: one of :data:`SELECT_METHODS` (paper ablations; ``'hfan'`` is the method).
        embed_dim: E of the all-MLP decoder (256 for HFAN-Small / MiT-b1, 768 for Medium / b2).
        fusion_width: the fusion bottleneck width; level l uses r = C_l // fusion_width as in
            the official code (16 in the paper).
        fusion_norm_cfg, fusion_act_cfg: norm / activation inside FAM / FAT (default BN / ReLU,
            which the official code hard-codes; not the head's SyncBN).
        norm_cfg: norm of the ``linear_fuse`` ConvModule (official: SyncBN).

    ``BaseDecodeHead.conv_seg`` is deleted: the official head never uses it (it predicts with
    ``linear_pred``), so training needs no ``find_unused_parameters``.
    """

    def __init__(self, select_method: str = 'hfan', embed_dim: int = 256, fusion_width: int = 16,
                 fusion_norm_cfg: dict | None = None, fusion_act_cfg: dict | None = None,
                 init_cfg=None, **kwargs):
        if select_method not in SELECT_METHODS:
            raise ValueError(f'select_method={select_method!r} is not one of {SELECT_METHODS}')
        super().__init__(input_transform='multiple_select', init_cfg=init_cfg, **kwargs)
        if len(self.in_channels) != 4:
            raise ValueError(f'HFANHead expects 4 pyramid levels, got in_channels='
                             f'{self.in_channels}')
        del self.conv_seg
        fusion_norm_cfg = fusion_norm_cfg or dict(type='BN')
        fusion_act_cfg = fusion_act_cfg or dict(type='ReLU')
        self.select_method = select_method
        for level, c in enumerate(self.in_channels, start=1):
            setattr(self, f'linear_c{level}', TokenLinear(c, embed_dim))
        self.linear_fuse = ConvModule(4 * embed_dim, embed_dim, kernel_size=1,
                                      norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        self.linear_pred = nn.Conv2d(embed_dim, self.out_channels, kernel_size=1)
        if select_method in _FUSION:
            for level, c in enumerate(self.in_channels, start=1):
                setattr(self, f'{select_method}{level}',
                        _FUSION[select_method](c, c // fusion_width, norm_cfg=fusion_norm_cfg,
                                               act_cfg=fusion_act_cfg))

    def fuse(self, level: int, im: torch.Tensor, fw: torch.Tensor) -> torch.Tensor:
        """The fused feature of one level from its appearance and motion features."""
        if self.select_method == 'im':
            return im
        if self.select_method == 'fw':
            return fw
        if self.select_method == 'base':
            return im + fw
        return getattr(self, f'{self.select_method}{level}')(im, fw)

    def forward(self, inputs):
        feats = self._transform_inputs(inputs)
        fused = []
        for level, x in enumerate(feats, start=1):
            if x.shape[0] % 2:
                raise ValueError('HFANHead expects 2B stacked features (B frames, then B flows); '
                                 f'got batch {x.shape[0]} at level {level}')
            im, fw = x.chunk(2, dim=0)
            fused.append(self.fuse(level, im, fw))
        size = fused[0].shape[2:]
        embeds = []
        for level in (4, 3, 2, 1):
            e = getattr(self, f'linear_c{level}')(fused[level - 1])
            if level != 1:
                e = resize(e, size=size, mode='bilinear', align_corners=False)
            embeds.append(e)
        x = self.linear_fuse(torch.cat(embeds, dim=1))
        if self.dropout is not None:
            x = self.dropout(x)
        return self.linear_pred(x)
