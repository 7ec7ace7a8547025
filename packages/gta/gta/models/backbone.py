"""mmaction2's ``ResNet3d`` (I3D / R3D) with blocks between its stages, the 3D counterpart of
``cvshared.video.stage_blocks.ResNetWithBlocks`` / ``ResNetTSMWithBlocks``.

# candidate for cvshared (cvshared.video.stage_blocks): any 3D-backbone plug-in paper needs it.

``blocks`` is the same list as in :mod:`cvshared.video.stage_blocks` (``stage``, ``position``:
``'before'`` / ``'after'`` / residual block index, ``block``). A block maps ``(N, C, T, H, W)``
to the same shape. The forward is ``ResNet3d.forward`` (stem, optional pool1, the layers in
order with ``pool2`` after the first, ``out_indices``) with the blocks called at their places;
the ResNet's parameter names are unchanged, so the 2D-inflated ImageNet weights
(``pretrained2d``) and mmaction2's I3D checkpoints load as before; the blocks' own
``init_weights`` run after the backbone's. mmaction2's own ``non_local`` option stays usable.
"""
from __future__ import annotations

from collections.abc import Sequence

from cvshared.video.stage_blocks import StageBlocksMixin
from mmaction.models.backbones.resnet3d import ResNet3d

from ..registry import MODELS

__all__ = ['ResNet3dWithBlocks']


@MODELS.register_module()
class ResNet3dWithBlocks(StageBlocksMixin, ResNet3d):
    """mmaction2's ``ResNet3d`` with ``blocks`` (module docstring); every other argument is
    ``ResNet3d``'s."""

    def __init__(self, depth: int, blocks: Sequence[dict] | None = None, **kwargs):
        super().__init__(depth, **kwargs)
        self.build_stage_blocks(blocks)

    def forward(self, x):
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
