"""mmaction2's ``ResNet3d`` (I3D-R50 / R3D / SlowOnly) with blocks between its stages.

# candidate for cvshared: cvshared.video.stage_blocks has the 2D ResNet / ResNet-TSM versions;
# this is the same contract (``blocks=[dict(stage='layer3', position='after', block=...)]``)
# for the 3D ResNet, whose forward adds pool1 / pool2 (mmaction2's ``ResNet3d.forward``);
# packages/gta has the same class (as gta.ResNet3dWithBlocks): one shared copy would serve both.

The collaborative memory (:class:`~collabmem.models.memory.CollaborativeMemory`) is plugged in
this way; nothing else of the ResNet changes, so its parameter names and pretrained weights
(``pretrained`` / ``init_cfg``, mmaction2's I3D checkpoints) load as before and the blocks live
in ``self.stage_blocks`` (``'<stage>_<position>'``).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from cvshared.video.stage_blocks import StageBlocksMixin
from mmaction.models.backbones.resnet3d import ResNet3d

from ..registry import MODELS


@MODELS.register_module()
class CollabmemResNet3d(StageBlocksMixin, ResNet3d):
    """``ResNet3d(**kwargs)`` plus ``blocks`` (see :mod:`cvshared.video.stage_blocks`).

    Shape: ``(B, 3, T, H, W)`` -> the ResNet3d output; a block maps ``(B, C, T', H', W')`` to
    the same shape."""

    def __init__(self, *args, blocks: Sequence[dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.build_stage_blocks(blocks)

    def forward(self, x: torch.Tensor):
        x = self.conv1(x)
        if self.with_pool1:
            x = self.maxpool(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            x = self._run_stage(name, x)
            if i == 0 and self.with_pool2:
                x = self.pool2(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)
