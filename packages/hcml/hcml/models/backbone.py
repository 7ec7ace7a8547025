"""mmaction2's ResNet / ResNet-TSM with the HCML motion hierarchy attached at several stages.

``HCMLResNet`` (2D ResNet, TSN-style) and ``HCMLResNetTSM`` are mmaction2's ``ResNet`` /
``ResNetTSM`` with one extra argument, ``motion``: the config of a
:class:`~hcml.models.motion.MotionHierarchy` without its ``in_channels`` and ``num_segments``,
which the backbone fills in (the output channels of the named stages, the backbone's
``num_segments``). The ResNet's parameter names are unchanged (the hierarchy lives in
``self.motion``), so its pretrained weights load as before. The forward is ``ResNet.forward``
(stem, max-pool, the layers in order, ``out_indices``) with the hierarchy run through the
layers; with ``motion=None`` it is exactly the base backbone.
"""
from __future__ import annotations

import torch
from mmaction.models.backbones.resnet import ResNet
from mmaction.models.backbones.resnet_tsm import ResNetTSM

from ..registry import MODELS
from .motion import MotionHierarchy

__all__ = ['MotionBackboneMixin', 'HCMLResNet', 'HCMLResNetTSM']


class MotionBackboneMixin:
    """Builds ``self.motion`` and runs it in ``forward`` (module docstring)."""

    def build_motion(self, motion: dict | None) -> None:
        if motion is None:
            self.motion = None
            return
        if getattr(self, 'temporal_pool', False):
            raise ValueError('the motion hierarchy needs the same T at every stage: set '
                             'temporal_pool=False')
        cfg = dict(motion)
        cfg.pop('type', None)
        stages = list(cfg.get('stages', ()))
        bad = [s for s in stages if s not in self.res_layers]
        if bad or not stages:
            raise ValueError(f'motion stages {stages} must be layers of this backbone '
                             f'({", ".join(self.res_layers)})')
        expansion = self.block.expansion
        widths = {name: 64 * 2 ** i * expansion for i, name in enumerate(self.res_layers)}
        cfg.setdefault('in_channels', [widths[s] for s in stages])
        cfg.setdefault('num_segments', self.num_segments)
        cfg.setdefault('stem_channels', 64)
        self.motion = MotionHierarchy(**cfg)

    def forward(self, x: torch.Tensor):
        x = self.conv1(x)
        x = self.maxpool(x)
        layers = [(name, getattr(self, name)) for name in self.res_layers]
        if self.motion is None:
            outs = []
            for _, layer in layers:
                x = layer(x)
                outs.append(x)
        else:
            outs = self.motion(x, layers)
        outs = [o for i, o in enumerate(outs) if i in self.out_indices]
        return outs[0] if len(outs) == 1 else tuple(outs)

    def init_weights(self) -> None:
        super().init_weights()
        # ResNetTSM's 2D-pretrained path does not reach it
        if self.motion is not None and not getattr(self.motion, 'is_init', False):
            self.motion.init_weights()


@MODELS.register_module()
class HCMLResNet(MotionBackboneMixin, ResNet):
    """mmaction2's 2D ``ResNet`` (TSN) + the motion hierarchy; ``num_segments`` is the clip
    length ``T`` (the pipeline's ``SampleFrames(num_clips=T)``)."""

    def __init__(self, depth: int, num_segments: int = 8, motion: dict | None = None,
                 **kwargs):
        super().__init__(depth, **kwargs)
        self.num_segments = num_segments
        self.build_motion(motion)


@MODELS.register_module()
class HCMLResNetTSM(MotionBackboneMixin, ResNetTSM):
    """mmaction2's ``ResNetTSM`` + the motion hierarchy (every other argument is
    ``ResNetTSM``'s)."""

    def __init__(self, depth: int, motion: dict | None = None, **kwargs):
        super().__init__(depth, **kwargs)
        self.build_motion(motion)
