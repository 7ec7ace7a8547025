"""HP's segmentation head and its EMA copy (official ``model/dino/DinoFeaturizer.py``).

``code = cluster1(f) + cluster2(f)``: ``cluster1`` a 1 x 1 convolution ``D -> dim``, ``cluster2``
``D -> D``, ReLU, ``D -> dim`` (the official ``projection_type='nonlinear'``; ``'linear'`` keeps
``cluster1`` only). The EMA copy starts equal to the head, takes no gradient, and is updated
``p_ema <- m p_ema + (1 - m) p`` (buffers copied) once per training forward, after the EMA code
of that forward is computed (official order). ``dim`` 512 (COCO-Stuff, Cityscapes) or 256
(Potsdam); ``m`` (``ema_m``) 0.99 COCO-Stuff, 0.999 otherwise.
"""
from __future__ import annotations

import copy

import torch
import torch.nn as nn
from torch import Tensor

from ..registry import MODELS


@MODELS.register_module()
class HPHead(nn.Module):
    """Args: in_channels (D of the backbone), dim, nonlinear (add ``cluster2``)."""

    def __init__(self, in_channels: int, dim: int, nonlinear: bool = True):
        super().__init__()
        self.cluster1 = nn.Sequential(nn.Conv2d(in_channels, dim, 1))
        self.cluster2 = nn.Sequential(nn.Conv2d(in_channels, in_channels, 1), nn.ReLU(),
                                      nn.Conv2d(in_channels, dim, 1)) if nonlinear else None
        self.ema = nn.ModuleDict(dict(cluster1=copy.deepcopy(self.cluster1)))
        if nonlinear:
            self.ema['cluster2'] = copy.deepcopy(self.cluster2)
        self.ema.requires_grad_(False)

    def _code(self, parts, feat: Tensor, dropout=None) -> Tensor:
        # the official draws a separate dropout mask for each branch
        drop = dropout if dropout is not None else (lambda x: x)
        code = parts['cluster1'](drop(feat))
        if parts.get('cluster2') is not None:
            code = code + parts['cluster2'](drop(feat))
        return code

    def forward(self, feat: Tensor, dropout=None) -> Tensor:
        return self._code(dict(cluster1=self.cluster1, cluster2=self.cluster2), feat, dropout)

    def forward_ema(self, feat: Tensor, dropout=None) -> Tensor:
        with torch.no_grad():
            return self._code(dict(self.ema.items()), feat, dropout)

    @torch.no_grad()
    def update_ema(self, momentum: float) -> None:
        pairs = [('cluster1', self.cluster1)]
        if self.cluster2 is not None:
            pairs.append(('cluster2', self.cluster2))
        for name, live in pairs:
            for p_ema, p in zip(self.ema[name].parameters(), live.parameters()):
                p_ema.copy_(p_ema * momentum + p.detach() * (1 - momentum))
            for b_ema, b in zip(self.ema[name].buffers(), live.buffers()):
                b_ema.copy_(b)
