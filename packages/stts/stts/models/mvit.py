"""MViT **v1** with STTS token selection (paper Sec. 4, "MViT-T^0_r-S^4_r").

STTS builds on PySlowFast's MViT v1 (Fan et al., ICCV 2021), MViT-B 16x4: 16 blocks, one head,
96 channels, q-pooling stride (1, 2, 2) at blocks 1, 3, 14, adaptive kv-pooling stride starting
at (1, 8, 8), separate spatial / temporal / class position embeddings. mmaction2 ships MViT **v2**
(:class:`mmaction.models.MViT`); with ``rel_pos_embed=False``, ``residual_pooling=False`` and
``dim_mul_in_attention=False`` (channel growth in the MLP, skip projection of the normed
input) its blocks compute the v1 block, except for three points this subclass restores:

1. v1 pools ``q`` only in the strided blocks; mmaction2 builds a (3, 3, 3) stride-1 pooling conv
   and norm for ``q`` in every block. Here they are replaced by identities in the other blocks.
2. v1's pooling LayerNorms use ``eps=1e-5`` (``nn.LayerNorm`` default), the block norms 1e-6.
3. v1 adds separable position embeddings ``pos_embed_spatial`` (H W), ``pos_embed_temporal`` (T)
   and ``pos_embed_class``; mmaction2 has one joint table or none.

Selection runs **before block** ``l`` for ``l`` in ``time_pruning_loc`` / ``space_pruning_loc``
(class token set aside and put back), with ``K`` from the token grid entering block ``l``.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from cvshared.ops.topk import DEFAULT_GRAD, DEFAULT_NUM_SAMPLES, DEFAULT_SIGMA
from mmaction.models.backbones.mvit import MViT
from mmaction.registry import MODELS
from mmengine.model.weight_init import trunc_normal_
from torch import Tensor, nn

from .selection import SelectionTracker, STTSSpatialSelector, STTSTemporalSelector
from .swin import selection_plan

MVIT_V1_B = dict(embed_dims=96, num_layers=16, num_heads=1, downscale_indices=[1, 3, 14])


@MODELS.register_module()
class STTSMViT(MViT):
    """MViT v1 (built on mmaction2's MViT) with STTS temporal and spatial selection.

    Args (besides those of ``mmaction.models.MViT``, whose v2-only switches are fixed to v1):
        time_pruning_loc, time_left_ratio: blocks before which temporal selection runs and the
            kept fractions (``[0]`` and e.g. ``[0.625]``: 5 of 8 slices).
        space_pruning_loc, space_left_ratio: the same for the spatial anchor (``[4]``,
            e.g. ``[0.863]``: ``int(196 * 0.863) = 169`` tokens, a 13 x 13 anchor of 14 x 14).
        sigma, num_samples, topk_grad: perturbed top-K settings, defaults from
            :mod:`cvshared.ops.topk` (the STTS MViT configs set sigma 0.1 with linear decay).
    """

    def __init__(self, arch: str | dict = MVIT_V1_B, spatial_size: int = 224,
                 temporal_size: int = 16,
                 time_pruning_loc: Sequence[int] | None = None,
                 time_left_ratio: Sequence[float] = (0.5, ),
                 space_pruning_loc: Sequence[int] | None = None,
                 space_left_ratio: Sequence[float] = (0.5, ), sigma: float = DEFAULT_SIGMA,
                 num_samples: int = DEFAULT_NUM_SAMPLES, topk_grad: str = DEFAULT_GRAD,
                 **kwargs):
        for key, v1_value in (('rel_pos_embed', False), ('residual_pooling', False),
                              ('dim_mul_in_attention', False), ('use_abs_pos_embed', False),
                              ('with_cls_token', True), ('rel_pos_zero_init', True)):
            if kwargs.get(key, v1_value) != v1_value:
                raise ValueError(f'STTSMViT is MViT v1: {key} must be {v1_value}.')
            kwargs[key] = v1_value
        super().__init__(arch=arch, spatial_size=spatial_size, temporal_size=temporal_size,
                         **kwargs)
        self.sigma_max = self.sigma = sigma
        t, h, w = self.patch_resolution
        c = self.embed_dims
        # (3) separable absolute position embeddings of MViT v1
        self.pos_embed_spatial = nn.Parameter(torch.zeros(1, h * w, c))
        self.pos_embed_temporal = nn.Parameter(torch.zeros(1, t, c))
        self.pos_embed_class = nn.Parameter(torch.zeros(1, 1, c))
        for i, blk in enumerate(self.blocks):
            attn = blk.attn
            if i not in self.downscale_indices:  # (1) no q pooling outside strided blocks
                attn.pool_q, attn.norm_q = nn.Identity(), nn.Identity()
            for norm in (attn.norm_q, attn.norm_k, attn.norm_v):  # (2)
                if isinstance(norm, nn.LayerNorm):
                    norm.eps = 1e-5

        t_plan = selection_plan(time_pruning_loc, time_left_ratio, 'time_pruning_loc')
        s_plan = selection_plan(space_pruning_loc, space_left_ratio, 'space_pruning_loc')
        bad = [i for i in (*t_plan, *s_plan) if not 0 <= i < self.num_layers]
        if bad:
            raise ValueError(f'pruning locations {bad} are not blocks of a {self.num_layers}-block '
                             'MViT.')
        self.time_selectors, self.space_selectors = nn.ModuleList(), nn.ModuleList()
        self._time_at, self._space_at = {}, {}
        for i, blk in enumerate(self.blocks):
            dims = blk.in_dims
            if i in t_plan:
                t = int(t * t_plan[i])
                self._time_at[i] = len(self.time_selectors)
                self.time_selectors.append(STTSTemporalSelector(dims, t, num_samples, topk_grad))
            if i in s_plan:
                sel = STTSSpatialSelector(dims, int(h * w * s_plan[i]), None, num_samples,
                                          topk_grad)
                self._space_at[i] = len(self.space_selectors)
                self.space_selectors.append(sel)
                h = w = sel.anchor_size
            if i in self.downscale_indices:  # q pooling: kernel 3, stride 2, padding 1
                h, w = (h - 1) // 2 + 1, (w - 1) // 2 + 1

    def init_weights(self, pretrained: str | None = None) -> None:
        super().init_weights(pretrained)
        if not (isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'):
            for p in (self.pos_embed_spatial, self.pos_embed_temporal, self.pos_embed_class):
                trunc_normal_(p, std=0.02)

    def set_sigma(self, sigma: float) -> None:
        self.sigma = sigma

    def forward(self, x: Tensor) -> tuple:
        b = x.shape[0]
        x, (t, h, w) = self.patch_embed(x)
        if (t, h, w) != tuple(self.patch_resolution):
            raise ValueError(f'STTSMViT was built for a {tuple(self.patch_resolution)} token grid '
                             f'(temporal_size / spatial_size); got {(t, h, w)}.')
        pos = (self.pos_embed_spatial.repeat(1, t, 1)
               + self.pos_embed_temporal.repeat_interleave(h * w, dim=1))
        x = torch.cat([self.cls_token.expand(b, -1, -1), x], dim=1)
        x = x + torch.cat([self.pos_embed_class, pos], dim=1)

        track = SelectionTracker(b, t, self.patch_embed.projection.stride[0], x.device)
        outs = []
        for i, block in enumerate(self.blocks):
            if i in self._time_at:
                cls, tok = x[:, :1], x[:, 1:].reshape(b, t, h * w, -1)
                sel = self.time_selectors[self._time_at[i]]
                tok = sel(tok, self.sigma)
                t = tok.shape[1]
                x = torch.cat([cls, tok.flatten(1, 2)], dim=1)
                if not self.training:
                    track.temporal(sel.last_indices)
            if i in self._space_at:
                cls, tok = x[:, :1], x[:, 1:].reshape(b, t, h, w, -1)
                sel = self.space_selectors[self._space_at[i]]
                tok = sel(tok, self.sigma)
                h, w = tok.shape[2:4]
                x = torch.cat([cls, tok.flatten(1, 3)], dim=1)
                if not self.training:
                    track.spatial(sel.last_box)
            x, (t, h, w) = block(x, (t, h, w))
            if i in self.stage_indices and self.stage_indices[i] in self.out_scales:
                x = getattr(self, f'norm{self.stage_indices[i]}')(x)
                tokens = x.transpose(1, 2)
                outs.append([tokens[:, :, 1:].reshape(b, -1, t, h, w), tokens[:, :, 0]])
        if not self.training:
            #: what the last eval forward kept (stts.hooks.STTSVisualizationHook draws it)
            self.last_selection = track.as_dict()
        return tuple(outs)
