"""The hierarchical motion learning module and its contrastive self-supervision (HCML).

Paper: X. Yang, X. Yang, S. Liu, D. Sun, L. Davis, J. Kautz, "Hierarchical Contrastive Motion
Learning for Video Action Recognition", BMVC 2021 (arXiv 2007.10321 v3). Only the abstract could
be read (README, "Official code"), so the equation numbers below are THIS package's (E1-E5);
each cites the abstract sentence it implements, and every detail the abstract leaves open is
marked "(ours)" and listed in the README.

Notation. A clip has ``T`` frames; ``A_l(t)`` is the backbone's appearance feature of frame ``t``
at level ``l`` (``A_0`` = the stem output, ``A_l`` = the output of the ``l``-th chosen ResNet
stage); ``M_l(t)`` is the level-``l`` motion feature of the frame pair ``(t, t+1)``,
``t = 0 .. T-2``.

"Our approach progressively learns a hierarchy of motion features that correspond to different
abstraction levels in a network":

* (E1) ``M_0(t) = A_0(t+1) - A_0(t)`` (ours: the parameter-free low-level motion cue at the
  stem, the "previous level" of level 1; ``stem_motion=False`` drops it).
* (E2) ``M_l(t) = ReLU(BN(Conv3x3([R_l A_l(t+1) - R_l A_l(t) ; R_l A_l(t) ;
  Pool(M_{l-1}(t))])))``, ``R_l`` a 1x1 conv ``C_l -> D_l`` (ours: the feature difference of
  adjacent frames together with the appearance of frame ``t``, from which the direction of a
  translation is recoverable; the lower-level motion average-pooled to level ``l``'s
  resolution).

"promotes the fusion of appearance and motion information at multiple levels":

* (E3) ``A_l(t) <- A_l(t) + BN(Conv1x1(M_l(t)))``, the last frame taking ``M_l(T-2)`` (ours: a
  residual sum into the stage output, which then feeds the next stage; the BN's scale starts at
  0, so at initialisation the backbone is exactly the base backbone, ``zero_init_fusion``).

"At each level, an explicit motion self-supervision is provided via contrastive learning to
enforce the motion features at the current level to predict the future ones at the previous
level":

* (E4) ``z_l(t, p) = g_l(M_l(t))[p]``, ``k_l(t, p) = h_l(Pool(M_{l-1}(t)))[p]``: a prediction head
  ``g_l`` (1x1 conv, ReLU, 1x1 conv) and a target projection ``h_l`` (1x1 conv) into ``E``
  channels, both on a ``grid x grid`` average-pooled map (ours).
* (E5) InfoNCE over the batch: for every anchor ``(n, t, p)``, ``t = 0 .. T-2-shift``,
  ``L_l = -log exp(s(z_l(n,t,p), k_l(n,t+shift,p)) / tau) / sum_{(n',t',p')}
  exp(s(z_l(n,t,p), k_l(n',t'+shift,p')) / tau)``, ``s`` the cosine similarity, ``shift = 1``
  (the future). Negatives: every other position, time and video of the batch (ours). The loss
  is ``cvshared.ops.supcon.masked_supcon`` with the identity as positive mask, every candidate
  in the denominator and ``base_temperature = tau``, i.e. pytorch-metric-learning's
  ``NTXentLoss`` with ``ref_emb`` (tested).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.ops.supcon import masked_supcon
from mmengine.model import BaseModule
from torch import Tensor

from ..registry import MODELS

__all__ = ['frame_difference', 'pad_last_pair', 'MotionLevel', 'MotionHierarchy',
           'future_pairs', 'info_nce', 'HierarchicalMotionInfoNCE']


def _split_time(x: Tensor, num_segments: int) -> Tensor:
    """``(N*T, C, H, W)`` -> ``(N, T, C, H, W)`` with a clear error on a bad batch."""
    if x.shape[0] % num_segments:
        raise ValueError(f'{x.shape[0]} frames are not a whole number of clips of '
                         f'num_segments={num_segments} (set the backbone\'s num_segments to the '
                         'pipeline\'s SampleFrames num_clips)')
    return x.view(-1, num_segments, *x.shape[1:])


def frame_difference(a: Tensor, num_segments: int) -> Tensor:
    """(E1) ``a(t+1) - a(t)`` per clip: ``(N*T, C, H, W)`` -> ``(N*(T-1), C, H, W)``."""
    if num_segments < 2:
        raise ValueError(f'motion needs at least 2 frames a clip, got num_segments={num_segments}')
    a = _split_time(a, num_segments)
    return (a[:, 1:] - a[:, :-1]).flatten(0, 1)


def pad_last_pair(m: Tensor, num_segments: int) -> Tensor:
    """``(N*(T-1), ...)`` pair features -> ``(N*T, ...)`` frame features: frame ``t`` takes pair
    ``(t, t+1)``, the last frame repeats the last pair (E3)."""
    m = _split_time(m, num_segments - 1)
    return torch.cat([m, m[:, -1:]], 1).flatten(0, 1)


class MotionLevel(nn.Module):
    """One level of the hierarchy: the motion encoder (E2) and the fusion (E3).

    Args:
        in_channels: ``C_l``, channels of the appearance feature ``A_l``.
        motion_channels: ``D_l``.
        lower_channels: channels of ``M_{l-1}`` (0: no lower level).
        zero_init_fusion: start the fusion BN's scale at 0 (the backbone is the base one).
    """

    def __init__(self, in_channels: int, motion_channels: int, lower_channels: int = 0,
                 zero_init_fusion: bool = True):
        super().__init__()
        self.reduce = nn.Conv2d(in_channels, motion_channels, 1, bias=False)
        self.encode = nn.Sequential(
            nn.Conv2d(2 * motion_channels + lower_channels, motion_channels, 3, padding=1,
                      bias=False),
            nn.BatchNorm2d(motion_channels), nn.ReLU(inplace=True))
        self.fuse = nn.Sequential(nn.Conv2d(motion_channels, in_channels, 1, bias=False),
                                  nn.BatchNorm2d(in_channels))
        self.lower_channels = lower_channels
        self.zero_init_fusion = zero_init_fusion
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if self.zero_init_fusion:
            nn.init.zeros_(self.fuse[1].weight)

    def motion(self, a: Tensor, lower: Tensor | None, num_segments: int) -> Tensor:
        """(E2) ``A_l`` ``(N*T, C_l, H, W)`` (+ ``M_{l-1}``) -> ``M_l`` ``(N*(T-1), D_l, H, W)``."""
        r = _split_time(self.reduce(a), num_segments)
        parts = [(r[:, 1:] - r[:, :-1]).flatten(0, 1), r[:, :-1].flatten(0, 1)]
        if self.lower_channels:
            if lower is None or lower.shape[1] != self.lower_channels:
                raise ValueError(f'this level expects the lower-level motion with '
                                 f'{self.lower_channels} channels, got '
                                 f'{None if lower is None else tuple(lower.shape)}')
            parts.append(F.adaptive_avg_pool2d(lower, a.shape[-2:]))
        return self.encode(torch.cat(parts, 1))

    def fusion(self, a: Tensor, m: Tensor, num_segments: int) -> Tensor:
        """(E3) ``A_l + BN(Conv1x1(M_l))``, frame ``t`` taking pair ``(t, t+1)``."""
        return a + self.fuse(pad_last_pair(m, num_segments))


@MODELS.register_module()
class MotionHierarchy(BaseModule):
    """The hierarchy of motion features ``M_0 .. M_L`` (E1-E3) attached to a backbone.

    Args:
        stages: names of the backbone stages the levels attach to, in order (``'layer1'`` ..
            ``'layer4'`` for a ResNet; the output of each stage is ``A_l``).
        in_channels: ``C_l`` of each stage.
        motion_channels: ``D_l`` of each level (one int: the same for all).
        num_segments: frames a clip (``T``).
        stem_channels: channels of the stem output ``A_0`` when ``stem_motion``.
        stem_motion: use ``M_0 = A_0(t+1) - A_0(t)`` (E1) as level 1's lower level and target.
        zero_init_fusion: see :class:`MotionLevel`.

    ``forward(stem, layers)`` runs ``layers`` (``(name, module)`` pairs in order) from the stem
    output, attaching the levels after the named stages; it returns every stage's output and
    keeps the motion features in ``self.last_motion`` (``[M_0 or None, M_1, .., M_L]``, each
    ``(N*(T-1), D, H, W)``) for the recognizer's contrastive losses and the pictures.
    """

    def __init__(self, stages: Sequence[str], in_channels: Sequence[int],
                 motion_channels: int | Sequence[int] = 64, num_segments: int = 8,
                 stem_channels: int = 64, stem_motion: bool = True,
                 zero_init_fusion: bool = True, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        stages, in_channels = list(stages), list(in_channels)
        if isinstance(motion_channels, int):
            motion_channels = [motion_channels] * len(stages)
        motion_channels = list(motion_channels)
        if not stages or len(in_channels) != len(stages) or len(motion_channels) != len(stages):
            raise ValueError(f'MotionHierarchy needs one in_channels and motion_channels per '
                             f'stage: stages {stages}, in_channels {in_channels}, '
                             f'motion_channels {motion_channels}')
        if num_segments < 3:
            raise ValueError(f'the t -> t+1 prediction needs num_segments >= 3, got '
                             f'{num_segments}')
        self.stages, self.num_segments = stages, num_segments
        self.stem_motion = stem_motion
        lower = [stem_channels if stem_motion else 0] + motion_channels[:-1]
        self.levels = nn.ModuleList(MotionLevel(c, d, lo, zero_init_fusion)
                                    for c, d, lo in zip(in_channels, motion_channels, lower))
        #: channels of ``M_0 .. M_L`` (``M_0``: None without stem motion)
        self.channels = [stem_channels if stem_motion else None] + motion_channels
        self.last_motion: list | None = None

    def init_weights(self) -> None:
        super().init_weights()
        for level in self.levels:
            level.reset_parameters()

    def forward(self, stem: Tensor, layers: Sequence[tuple[str, nn.Module]]) -> list[Tensor]:
        names = [name for name, _ in layers]
        missing = [s for s in self.stages if s not in names]
        if missing:
            raise ValueError(f'MotionHierarchy stages {missing} are not stages of the backbone '
                             f'({names})')
        T = self.num_segments
        m = frame_difference(stem, T) if self.stem_motion else None
        motion, outs, x = [m], [], stem
        for name, layer in layers:
            x = layer(x)
            if name in self.stages:
                level = self.levels[self.stages.index(name)]
                m = level.motion(x, m, T)
                x = level.fusion(x, m, T)
                motion.append(m)
            outs.append(x)
        self.last_motion = motion
        return outs


def future_pairs(pred: Tensor, target: Tensor, num_segments: int, shift: int = 1
                 ) -> tuple[Tensor, Tensor]:
    """Anchors and their positives of (E5): ``pred`` and ``target`` ``(N*(T-1), E, g, g)`` pair
    maps; returns ``(M, E)`` rows, row ``i`` of the anchors being ``pred(n, t, p)`` and row ``i``
    of the positives ``target(n, t + shift, p)``, for ``t = 0 .. T-2-shift``, all ``n`` and
    grid cells ``p`` (order: n, t, y, x)."""
    pairs = num_segments - 1
    if not 0 <= shift < pairs:
        raise ValueError(f'shift must be in [0, {pairs - 1}] for {num_segments} frames, got '
                         f'{shift}')
    z = _split_time(pred, pairs)[:, :pairs - shift]
    k = _split_time(target, pairs)[:, shift:]

    def rows(x):
        return x.permute(0, 1, 3, 4, 2).reshape(-1, x.shape[2])
    return rows(z), rows(k)


def info_nce(anchors: Tensor, positives: Tensor, temperature: float) -> Tensor:
    """(E5): mean over rows ``i`` of ``-log softmax_j(cos(a_i, k_j) / tau)[i]`` (the positive of
    anchor ``i`` is row ``i`` of ``positives``, every other row a negative)."""
    a = F.normalize(anchors, dim=1)
    k = F.normalize(positives, dim=1)
    eye = torch.eye(a.shape[0], dtype=torch.bool, device=a.device)
    loss, _ = masked_supcon(a, k, eye, torch.ones_like(eye), temperature,
                            base_temperature=temperature)
    return loss.mean()


@MODELS.register_module()
class HierarchicalMotionInfoNCE(BaseModule):
    """The contrastive self-supervision of every level (E4, E5), as auxiliary losses.

    Args:
        motion_channels: channels of ``M_0 .. M_L`` (``MotionHierarchy.channels``; ``None`` for
            an absent ``M_0``: level 1 then has no loss). The recognizer fills it in.
        num_segments: ``T``.
        embed_channels: ``E``.
        temperature: ``tau``.
        grid: side of the pooled map the anchors live on (``None``: level ``l``'s resolution).
        shift: predict ``M_{l-1}(t + shift)`` (1 = the paper's future).
        loss_weight: weight of each level's loss (one float: all levels).
    ``forward(motion)`` -> ``{'loss_motion_l<l>': weighted L_l, 'acc_motion_l<l>': top-1 of
    the contrastive task}`` for ``l = 1 .. L``.
    """

    def __init__(self, motion_channels: Sequence[int | None], num_segments: int = 8,
                 embed_channels: int = 128, temperature: float = 0.1, grid: int | None = 7,
                 shift: int = 1, loss_weight: float | Sequence[float] = 1.0, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.channels = list(motion_channels)
        levels = len(self.channels) - 1
        if levels < 1:
            raise ValueError(f'motion_channels lists M_0 .. M_L (L >= 1), got {self.channels}')
        if isinstance(loss_weight, (int, float)):
            loss_weight = [float(loss_weight)] * levels
        if len(loss_weight) != levels:
            raise ValueError(f'loss_weight needs one value per level ({levels}), got '
                             f'{list(loss_weight)}')
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        self.loss_weight = [float(w) for w in loss_weight]
        self.num_segments, self.temperature = num_segments, float(temperature)
        self.grid, self.shift = grid, shift
        self.predict = nn.ModuleDict()
        self.project = nn.ModuleDict()
        for lvl in range(1, levels + 1):
            lower, own = self.channels[lvl - 1], self.channels[lvl]
            if lower is None:
                continue
            self.predict[str(lvl)] = nn.Sequential(
                nn.Conv2d(own, embed_channels, 1), nn.ReLU(inplace=True),
                nn.Conv2d(embed_channels, embed_channels, 1))
            self.project[str(lvl)] = nn.Conv2d(lower, embed_channels, 1)

    def pooled(self, m: Tensor, size: tuple[int, int]) -> Tensor:
        if self.grid is not None:
            size = (min(size[0], self.grid), min(size[1], self.grid))
        return F.adaptive_avg_pool2d(m, size)

    def embeddings(self, motion: Sequence[Tensor | None], lvl: int) -> tuple[Tensor, Tensor]:
        """(E4) ``z_l`` and ``k_l`` ``(N*(T-1), E, g, g)`` of level ``lvl``."""
        own, lower = motion[lvl], motion[lvl - 1]
        z = self.predict[str(lvl)](self.pooled(own, own.shape[-2:]))
        k = self.project[str(lvl)](self.pooled(lower, z.shape[-2:]))
        return z, k

    def forward(self, motion: Sequence[Tensor | None]) -> dict:
        if len(motion) != len(self.channels):
            raise ValueError(f'expected M_0 .. M_{len(self.channels) - 1}, got {len(motion)} '
                             'motion maps')
        losses = {}
        for lvl in range(1, len(self.channels)):
            if str(lvl) not in self.predict:
                continue
            z, k = self.embeddings(motion, lvl)
            a, p = future_pairs(z, k, self.num_segments, self.shift)
            loss = info_nce(a, p, self.temperature)
            with torch.no_grad():
                sim = F.normalize(a, dim=1) @ F.normalize(p, dim=1).t()
                acc = (sim.argmax(1) == torch.arange(a.shape[0], device=a.device)).float()
            losses[f'loss_motion_l{lvl}'] = self.loss_weight[lvl - 1] * loss
            losses[f'acc_motion_l{lvl}'] = acc.mean()
        return losses
