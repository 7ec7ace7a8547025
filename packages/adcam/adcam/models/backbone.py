"""The Conformer backbone (mmpretrain's :class:`~mmpretrain.models.backbones.Conformer`, Peng et
al. 2021) with the two things a CAM-attention coupling needs and mmpretrain does not return:

* the **attention matrix of every transformer block** (``trans_1`` and the ``trans_block`` of
  each ``conv_trans_i``), ``(B, heads, 1 + N, 1 + N)`` softmax weights (class token first);
* the **last CNN-branch feature map** ``x`` of ``conv_trans_<depths>`` at stride 16, the grid of
  the patch tokens, on which the CAM head runs (TransCAM's ``conv_cls_head``). The original
  Conformer (and mmpretrain's) downsamples once more in the last fusion block (stride 2, the map
  at 1/32); TransCAM's Conformer uses stride 1 there so that the CAM and the attention share
  the ``h x w`` token grid. ``last_fusion_stride=1`` (default) does the same by setting the
  stride of that block's 3x3 conv and residual 1x1 conv (no weight changes shape, so the
  ImageNet checkpoints load unchanged).

How (no mmpretrain code is copied): mmpretrain's ``MultiheadAttention`` calls
``self.scaled_dot_product_attention(q, k, v, dropout_p=...)`` (torch's fused kernel, which does
not expose the weights). :class:`AdcamConformer` replaces that attribute on each block's
attention module with a recorder that computes the same ``softmax(q k^T / sqrt(d)) v``
explicitly and keeps the softmax; a forward hook on the last stage keeps its outputs. The
forward itself is mmpretrain's (``super().forward``). ``tests/test_model.py`` checks that the
features equal those of an unmodified mmpretrain ``Conformer`` with the same weights.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from mmpretrain.models.backbones import Conformer

from ..registry import MODELS


class _AttentionRecorder:
    """``scaled_dot_product_attention`` replacement that stores the attention weights."""

    def __init__(self, store: list):
        self.store = store

    def __call__(self, q, k, v, attn_mask=None, dropout_p=0.0, **kwargs):
        if attn_mask is not None:
            raise NotImplementedError('AdcamConformer: attention masks are not used by Conformer')
        attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
        self.store.append(attn)
        if dropout_p > 0:
            attn = F.dropout(attn, dropout_p, training=True)
        return attn @ v


@MODELS.register_module()
class AdcamConformer(Conformer):
    """mmpretrain ``Conformer`` (same arguments; ``arch='small'`` is Conformer-S: 12 blocks,
    6 heads, 384 dims, channel ratio 4) whose :meth:`forward` returns
    ``dict(conv=(B, out_channels, H/16, W/16), tokens=(B, 1 + N, D),
    attns=[(B, heads, 1 + N, 1 + N)] * depths)`` (``out_channels = 256 * channel_ratio`` for
    ``base_channels=64``; ``N = (H/16) (W/16)``).

    ``conv`` is the last CNN-branch map (``out_channels`` channels), ``tokens`` the final
    transformer tokens after ``trans_norm`` (class token first), ``attns`` one attention matrix
    per transformer block in depth order (``trans_1``, ``conv_trans_2``, ...).
    """

    def __init__(self, *args, last_fusion_stride: int = 1, qk_init: dict | None = None,
                 **kwargs):
        kwargs.setdefault('with_cls_token', True)
        super().__init__(*args, **kwargs)
        if not self.with_cls_token:
            raise ValueError('AdcamConformer: with_cls_token=False is not supported (the TransCAM '
                             'coupling drops the class-token row and column)')
        self._attns: list = []
        blocks = [self.trans_1] + [getattr(self, f'conv_trans_{i}').trans_block
                                   for i in range(2, self.fin_stage)]
        for block in blocks:
            block.attn.scaled_dot_product_attention = _AttentionRecorder(self._attns)
        self.num_blocks = len(blocks)
        self._last: dict = {}
        getattr(self, f'conv_trans_{self.fin_stage - 1}').register_forward_hook(self._keep_last)
        last = getattr(self, f'conv_trans_{self.fin_stage - 1}')
        if last.last_fusion:
            fusion = last.fusion_block
            fusion.conv2.stride = (last_fusion_stride, last_fusion_stride)
            fusion.residual_conv.stride = (last_fusion_stride, last_fusion_stride)
        self.out_channels = last.fusion_block.conv3.out_channels
        self.qk_init = qk_init

    def init_weights(self):
        """mmpretrain's initialisation; then, with ``qk_init=dict(std=s)``, every block's query
        and key projections are drawn ``N(0, s^2)`` and **tied** (key weights = query weights,
        biases zero), so the first forward's attention is ``softmax(<W x_i, W x_j> / sqrt(d))``,
        a similarity of the tokens.

        Only for from-scratch runs (the synthetic config): the paper's attention comes from an
        ImageNet-trained Conformer. From scratch with mmpretrain's init (truncated normal, std
        0.02) the query-key products are ~0, the attention is uniform (row entropy = log N to
        1e-5 after 120 training steps on the synthetic set, measured) and any coupling just
        blurs the CAM. The weights train freely afterwards (decided by us)."""
        super().init_weights()
        if self.qk_init:
            self.tie_query_key(float(self.qk_init.get('std', 0.5)))

    def tie_query_key(self, std: float) -> None:
        """The ``qk_init`` step of :meth:`init_weights` alone (module docstring there)."""
        for module in self.modules():
            if isinstance(getattr(module, 'scaled_dot_product_attention', None),
                          _AttentionRecorder):
                d = module.embed_dims
                with torch.no_grad():
                    module.qkv.weight[:d].normal_(0.0, std)
                    module.qkv.weight[d:2 * d].copy_(module.qkv.weight[:d])
                    if module.qkv.bias is not None:
                        module.qkv.bias[:2 * d].zero_()

    def _keep_last(self, module, inputs, output):
        self._last['conv'], self._last['tokens'] = output

    def forward(self, x):
        self._attns.clear()
        self._last.clear()
        super().forward(x)
        attns = list(self._attns)
        self._attns.clear()
        if len(attns) != self.num_blocks:
            raise RuntimeError(f'AdcamConformer: recorded {len(attns)} attention matrices for '
                               f'{self.num_blocks} blocks')
        return dict(conv=self._last.pop('conv'), tokens=self.trans_norm(self._last.pop('tokens')),
                    attns=attns)
