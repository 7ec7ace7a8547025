"""Blocks inserted between the stages of an mmaction2 ResNet / ResNet-TSM / ResNet3d backbone
(SELFY's STSS block and MotionSqueeze's MS module after res3, GTA's blocks, Collaborative Memory,
and later video papers' modules).

:class:`ResNetTSMWithBlocks` and :class:`ResNetWithBlocks` are mmaction2's ``ResNetTSM`` /
``ResNet`` (registered in mmaction2's ``MODELS``) with one extra argument, ``blocks``: a list of

``dict(stage='layer2', position='after', block=dict(type=..., ...))``

``stage``
    The ResNet layer the block attaches to: ``'layer1'`` .. ``'layer4'`` (OpenMMLab's names;
    the papers' "res3" is ``layer2``, the stage whose output is 512 channels at stride 8 in
    ResNet-50).
``position``
    ``'after'`` (default: the block takes the stage's output), ``'before'`` (its input), or an
    int ``k``: after residual block ``k`` (0-based) inside the stage.
``block``
    The block's config, built from mmaction2's ``MODELS`` (a paper package registers its
    block there). When the block's class takes ``num_segments`` and the config does not give
    it, the backbone's ``num_segments`` is passed, so a config states the clip length once.

A block maps ``(N * T, C, H, W)`` to the same shape (frames of ``N`` clips of ``T`` segments
in mmaction2's order, clip-major); whatever it computes (a residual sum, a feature added) is
the block's own business. Blocks live in ``self.stage_blocks`` (an ``nn.ModuleDict`` keyed
``'<stage>_<position>'``, e.g. ``layer2_after``), so the ResNet's parameter names are
unchanged and its pretrained weights (ImageNet through ``pretrained``, mmaction2's TSM
checkpoints) load as before; the blocks' own ``init_weights`` run after the backbone's.
Nothing of the backbone is altered: in ``ResNetTSMWithBlocks`` the temporal shift (its
``shift_div``, ``shift_place``), non-local blocks and the temporal pool are built by
mmaction2's own code. The forward is ``ResNet.forward`` (stem, max-pool, the layers in order,
``out_indices``) with the blocks called at their places.
"""
from __future__ import annotations

import inspect
from collections.abc import Sequence

import torch
import torch.nn as nn
from mmaction.models.backbones.resnet import ResNet
from mmaction.models.backbones.resnet3d import ResNet3d
from mmaction.models.backbones.resnet_tsm import ResNetTSM
from mmaction.registry import MODELS

__all__ = ['StageBlocksMixin', 'ResNetWithBlocks', 'ResNetTSMWithBlocks', 'ResNet3dWithBlocks']

_WHERE = ('before', 'after')


class StageBlocksMixin:
    """``ResNet.forward`` with blocks at chosen places (module docstring). A class mixing it in
    calls :meth:`build_stage_blocks` at the end of its ``__init__``."""

    def build_stage_blocks(self, blocks: Sequence[dict] | None) -> None:
        self.stage_blocks = nn.ModuleDict()
        self._block_places: dict[str, dict] = {}
        for spec in blocks or ():
            spec = dict(spec)
            unknown = set(spec) - {'stage', 'position', 'block'}
            if unknown or 'stage' not in spec or 'block' not in spec:
                raise ValueError(f'a stage block is dict(stage=..., position=..., block=dict('
                                 f'type=...)); got keys {sorted(spec)}')
            stage, position = spec['stage'], spec.get('position', 'after')
            if stage not in self.res_layers:
                raise ValueError(f'stage {stage!r} is not a layer of this backbone '
                                 f'({", ".join(self.res_layers)}; the papers\' res3 is layer2)')
            depth = len(getattr(self, stage))
            if isinstance(position, bool) or not (
                    position in _WHERE or (isinstance(position, int) and 0 <= position < depth)):
                raise ValueError(f"position of the block at {stage} must be 'before', 'after' "
                                 f'or a residual block index 0..{depth - 1}, got {position!r}')
            key = f'{stage}_{position}'
            if key in self.stage_blocks:
                raise ValueError(f'two blocks at {stage}, position {position!r}: chain them in '
                                 'one block instead')
            cfg = dict(spec['block'])
            cls = MODELS.get(cfg['type']) if isinstance(cfg.get('type'), str) else cfg.get('type')
            if cls is None:
                raise KeyError(f'block type {cfg.get("type")!r} is not in mmaction2\'s MODELS: '
                               'import the package that registers it (custom_imports)')
            if 'num_segments' not in cfg and hasattr(self, 'num_segments') and \
                    'num_segments' in inspect.signature(cls).parameters:
                cfg['num_segments'] = self.num_segments
            self.stage_blocks[key] = MODELS.build(cfg)
            self._block_places[key] = dict(stage=stage, position=position)

    def _block(self, stage: str, position) -> nn.Module | None:
        key = f'{stage}_{position}'
        return self.stage_blocks[key] if key in self.stage_blocks else None

    def _run_stage(self, name: str, x: torch.Tensor) -> torch.Tensor:
        layer = getattr(self, name)
        if (blk := self._block(name, 'before')) is not None:
            x = blk(x)
        inner = [k for k in range(len(layer)) if self._block(name, k) is not None]
        if inner:
            for k, res_block in enumerate(layer):
                x = res_block(x)
                if (blk := self._block(name, k)) is not None:
                    x = blk(x)
        else:
            x = layer(x)
        if (blk := self._block(name, 'after')) is not None:
            x = blk(x)
        return x

    def forward(self, x: torch.Tensor):
        x = self.conv1(x)
        x = self.maxpool(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            x = self._run_stage(name, x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def init_weights(self) -> None:
        super().init_weights()
        for blk in self.stage_blocks.values():  # ResNetTSM's 2D-pretrained path skips them
            if hasattr(blk, 'init_weights') and not getattr(blk, 'is_init', False):
                blk.init_weights()


@MODELS.register_module()
class ResNetTSMWithBlocks(StageBlocksMixin, ResNetTSM):
    """mmaction2's ``ResNetTSM`` with ``blocks`` (module docstring); every other argument is
    ``ResNetTSM``'s."""

    def __init__(self, depth: int, blocks: Sequence[dict] | None = None, **kwargs):
        super().__init__(depth, **kwargs)
        self.build_stage_blocks(blocks)


@MODELS.register_module()
class ResNetWithBlocks(StageBlocksMixin, ResNet):
    """mmaction2's ``ResNet`` with ``blocks`` (module docstring); every other argument is
    ``ResNet``'s."""

    def __init__(self, depth: int, blocks: Sequence[dict] | None = None, **kwargs):
        super().__init__(depth, **kwargs)
        self.build_stage_blocks(blocks)


@MODELS.register_module()
class ResNet3dWithBlocks(StageBlocksMixin, ResNet3d):
    """mmaction2's ``ResNet3d`` (I3D / R3D / SlowOnly) with ``blocks`` (module docstring); every
    other argument is ``ResNet3d``'s. A block maps ``(N, C, T, H, W)`` to the same shape. The
    forward is ``ResNet3d.forward``: the stem, ``pool1`` when ``with_pool1``, the layers with
    ``pool2`` after the first when ``with_pool2``, ``out_indices``. (``ResNet3d``'s own
    ``stage_blocks`` argument, the residual-block counts, is consumed by its constructor; the
    attribute then holds the plug-in blocks, as in the 2D classes.) Used by GTA's I3D
    configs and Collaborative Memory's."""

    def __init__(self, depth: int, blocks: Sequence[dict] | None = None, **kwargs):
        super().__init__(depth, **kwargs)
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
