"""The three-branch Cross-X head (paper Sec. 3, Fig. 2; official ``ResNet.forward`` with
``meflag=True`` of ``crossxresnetmix.py`` / ``crossxresnetavg.py`` and the loss of
``modellearning.train``)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.heads import ClsHead

from ..registry import MODELS
from .losses import c3s_loss, cross_layer_kl

BRANCHES = ('ulti', 'plty', 'cmbn')


@MODELS.register_module()
class CrossXHead(ClsHead):
    """Three classifiers over the OSME part maps of the backbone's stages 3 and 4.

    * ``ulti``: GAP of each stage-4 part, concatenated (P x C4) -> ``fc_ulti``.
    * ``plty``: global max (``plty_pool='max'``, the official "mix" variant, CUB / NABirds)
      or average pool (``'avg'``, the other data sets) of each stage-3 part -> ``fc_plty``.
    * ``cmbn`` (cross-layer fusion): for part p, ``reduce[p]`` (1x1 conv C4 -> C3) of the
      stage-4 part, nearest upsampling to the stage-3 part's size, plus the stage-3 part,
      ``fuse[p]`` (3x3 conv C3 -> C3 + BN), GAP -> ``fc_cmbn``.

    Prediction: the sum of the logits of ``branches``. Loss (``modellearning.train``):
    cross entropy of that sum + ``gammas[b] * C3S`` of each branch's pooled part features +
    ``KL(softmax(ulti) || softmax(b))`` for the other branches.

    Args:
        num_classes: classes.
        in_channels: channels of the stage-3 and stage-4 maps (1024, 2048 for ResNet-50).
        num_parts: P.
        plty_pool: ``'max'`` ("mix") or ``'avg'``.
        gammas: C3S weights of ``ulti``, ``plty``, ``cmbn`` (``crossx.hyperparams``).
        branches: the branches in the prediction and the loss (official ResNet on Dogs:
            ``('ulti', 'plty')``: no cmbn logits, C3S nor KL; the cmbn layers still exist).
        fusion_size: ``None`` (ours): upsample to the stage-3 map's size. An int: the
            official hard-coded size (28, right for 448 inputs only; other sizes raise).
        detach_kl_target: stop the KL gradient into ``ulti`` (official: ``False``).
        loss: the classification loss (mmpretrain ``CrossEntropyLoss``).
    """

    def __init__(self, num_classes: int, in_channels: Sequence[int] = (1024, 2048),
                 num_parts: int = 2, plty_pool: str = 'max',
                 gammas: Sequence[float] = (0.5, 0.25, 0.5),
                 branches: Sequence[str] = BRANCHES, fusion_size: int | None = None,
                 detach_kl_target: bool = False,
                 loss: dict | None = None, init_cfg: dict | list | None = None, **kwargs):
        loss = loss or dict(type='CrossEntropyLoss', loss_weight=1.0)
        # convolutions as the official (normal, std sqrt(2 / (k * k * out))), BN 1 / 0,
        # Linear layers PyTorch's default
        init_cfg = init_cfg or dict(type='Kaiming', layer='Conv2d', mode='fan_out')
        super().__init__(loss=loss, init_cfg=init_cfg, **kwargs)
        if plty_pool not in ('max', 'avg'):
            raise ValueError(f"plty_pool must be 'max' (mix) or 'avg', not {plty_pool!r}")
        if not set(branches) <= set(BRANCHES) or 'ulti' not in branches:
            raise ValueError(f'branches must include ulti and be among {BRANCHES}: {branches}')
        c3, c4 = in_channels
        self.num_classes, self.num_parts = num_classes, num_parts
        self.plty_pool, self.gammas = plty_pool, dict(zip(BRANCHES, gammas))
        self.branches, self.fusion_size = tuple(branches), fusion_size
        self.detach_kl_target = detach_kl_target
        self.fc_ulti = nn.Linear(num_parts * c4, num_classes)
        self.fc_plty = nn.Linear(num_parts * c3, num_classes)
        self.fc_cmbn = nn.Linear(num_parts * c3, num_classes)
        self.reduce = nn.ModuleList(nn.Conv2d(c4, c3, 1, bias=False) for _ in range(num_parts))
        self.fuse = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c3, c3, 3, padding=1, bias=False), nn.BatchNorm2d(c3))
            for _ in range(num_parts))

    def _fused(self, p: int, low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
        size = low.shape[-2:] if self.fusion_size is None else self.fusion_size
        up = F.interpolate(self.reduce[p](high), size=size, mode='nearest')
        if up.shape[-2:] != low.shape[-2:]:
            raise ValueError(
                f'CrossXHead: the official fusion_size={self.fusion_size} needs a '
                f'{tuple(up.shape[-2:])} stage-3 map (a 448 input) but it is '
                f'{tuple(low.shape[-2:])}; set fusion_size=None to derive it from stage 3')
        return self.fuse[p](low + up).mean(dim=(2, 3))

    def forward_branches(self, feats) -> dict:
        """``{branch: logits}`` and ``{branch + '_feats': [P pooled (B, D)]}``."""
        low, high = feats[-2], feats[-1]
        pool = (lambda t: t.amax(dim=(2, 3))) if self.plty_pool == 'max' else \
            (lambda t: t.mean(dim=(2, 3)))
        out = dict(ulti_feats=[h.mean(dim=(2, 3)) for h in high],
                   plty_feats=[pool(t) for t in low])
        if 'cmbn' in self.branches:
            out['cmbn_feats'] = [self._fused(p, low[p], high[p]) for p in range(self.num_parts)]
        for name in self.branches:
            out[name] = getattr(self, f'fc_{name}')(torch.cat(out[f'{name}_feats'], 1))
        return out

    def forward(self, feats) -> torch.Tensor:
        """The prediction logits: the sum over ``branches``."""
        out = self.forward_branches(feats)
        return sum(out[b] for b in self.branches)

    def loss(self, feats, data_samples, **kwargs) -> dict:
        out = self.forward_branches(feats)
        logits = sum(out[b] for b in self.branches)
        target = torch.cat([s.gt_label for s in data_samples]).to(logits.device)
        losses = dict(loss_cls=self.loss_module(logits, target))
        for b in self.branches:
            losses[f'loss_c3s_{b}'] = c3s_loss(out[f'{b}_feats'], self.gammas[b])
        others = [out[b] for b in self.branches if b != 'ulti']
        if others:
            losses['loss_kl'] = cross_layer_kl(out['ulti'], others, self.detach_kl_target)
        return losses

    def predict(self, feats, data_samples=None):
        samples = self._get_predictions(self(feats), data_samples)
        maps = part_attention(feats[-1])
        for sample, m in zip(samples, maps):
            sample.set_field(m.detach().cpu(), 'part_maps', field_type='data')
        return samples


def part_attention(parts: Sequence[torch.Tensor]) -> torch.Tensor:
    """Per-part attention maps ``(B, P, H, W)``: the channel mean of each part map (the
    channel-gated, residual-added activations ``ReLU(U_p + residual)``), each scaled to
    [0, 1] (min -> 0, max -> 1; for the pictures)."""
    maps = torch.stack([p.mean(1) for p in parts], 1)
    low = maps.flatten(2).amin(-1)[..., None, None]
    high = maps.flatten(2).amax(-1)[..., None, None]
    return (maps - low) / (high - low).clamp_min(1e-12)
