"""Two-stream input on one shared encoder (official ``HFANVOS`` backbone wrapper)."""
from __future__ import annotations

import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS


@MODELS.register_module()
class FrameFlowBackbone(BaseModule):
    """Runs ONE backbone on the RGB frame and on the optical-flow image.

    The input is ``B x 2c x H x W`` (frame channels first, then flow channels, as
    :class:`cvshared.datasets.davis.LoadFrameAndFlow` builds it). The halves are stacked along
    the batch (frames first) and encoded together, so the weights are shared between the
    appearance and the motion stream; every output level is ``2B x C_l x H_l x W_l``.

    Args:
        backbone: config of the shared encoder (``MixVisionTransformer`` in the paper).
    """

    def __init__(self, backbone: dict, init_cfg=None):
        super().__init__(init_cfg)
        self.backbone = MODELS.build(backbone)

    def forward(self, x: torch.Tensor):
        if x.shape[1] % 2:
            raise ValueError(f'FrameFlowBackbone expects frame + flow channels (an even number), '
                             f'got {x.shape[1]}; load inputs with LoadFrameAndFlow')
        frame, flow = x.chunk(2, dim=1)
        return self.backbone(torch.cat([frame, flow], dim=0))
