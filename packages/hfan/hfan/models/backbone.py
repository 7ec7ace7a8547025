"""Two-stream input on one shared encoder (official ``HFANVOS`` backbone wrapper)."""
from __future__ import annotations

import re

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS

# SegFormer's MiT (the official encoder) builds the patch-embedding and spatial-reduction
# LayerNorms with PyTorch's default eps 1e-5 and every other LayerNorm with 1e-6; mmseg's
# MixVisionTransformer uses its norm_cfg (eps 1e-6) everywhere.
_SEGFORMER_EPS5 = re.compile(r'^layers\.\d+\.(0\.norm|1\.\d+\.attn\.norm)$')


@MODELS.register_module()
class FrameFlowBackbone(BaseModule):
    """Runs ONE backbone on the RGB frame and on the optical-flow image.

    The input is ``B x 2c x H x W`` (frame channels first, then flow channels, as
    :class:`cvshared.datasets.davis.LoadFrameAndFlow` builds it). The halves are stacked along
    the batch (frames first) and encoded together, so the weights are shared between the
    appearance and the motion stream; every output level is ``2B x C_l x H_l x W_l``.

    Args:
        backbone: config of the shared encoder (``MixVisionTransformer`` in the paper).
        segformer_eps: give an mmseg ``MixVisionTransformer`` the LayerNorm eps of the
            official SegFormer MiT (1e-5 in the patch embeddings and the spatial-reduction
            norms, 1e-6 elsewhere; default). ``False`` keeps mmseg's 1e-6 everywhere (a
            difference of ~1e-5 in the features).
    """

    def __init__(self, backbone: dict, segformer_eps: bool = True, init_cfg=None):
        super().__init__(init_cfg)
        self.backbone = MODELS.build(backbone)
        self.segformer_eps = segformer_eps
        if segformer_eps:
            for name, module in self.backbone.named_modules():
                if isinstance(module, nn.LayerNorm) and _SEGFORMER_EPS5.match(name):
                    module.eps = 1e-5

    def forward(self, x: torch.Tensor):
        if x.shape[1] % 2:
            raise ValueError(f'FrameFlowBackbone expects frame + flow channels (an even number), '
                             f'got {x.shape[1]}; load inputs with LoadFrameAndFlow')
        frame, flow = x.chunk(2, dim=1)
        return self.backbone(torch.cat([frame, flow], dim=0))
