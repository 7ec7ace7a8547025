"""A tiny stand-in for the X-CLIP model with the same outputs as ``UMILXCLIP`` (tests and the
synthetic config while the real backbone is not used): frames -> a small conv net averaged
over time -> ``v [B, D]``; two heads ``head_video`` / ``u_head_video`` (Linear(D, D)) matched
by scaled cosine against two fixed class embeddings (a buffer, like the cached text)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from .registry import MODELS


@MODELS.register_module()
class UMILStandIn(BaseModule):
    """``forward(imgs [B, T, 3, H, W]) -> dict(y, y_cluster_all, feature_v,
    y_cluster_all_nograd)`` (the last in training mode only), as ``UMILXCLIP``."""

    def __init__(self, embed_dim: int = 32, channels: int = 16, num_classes: int = 2,
                 logit_scale: float = 10.0, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.frame = nn.Sequential(
            nn.Conv2d(3, channels, 5, stride=2, padding=2), nn.GELU(),
            nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.GELU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, embed_dim))
        self.head_video = nn.Linear(embed_dim, embed_dim)
        self.u_head_video = nn.Linear(embed_dim, embed_dim)
        text = torch.randn(num_classes, embed_dim, generator=torch.Generator().manual_seed(0))
        self.register_buffer('text_features', F.normalize(text, dim=-1))
        self.logit_scale = nn.Parameter(torch.tensor(float(logit_scale)).log())

    def _logits(self, head, v):
        return self.logit_scale.exp() * F.normalize(head(v), dim=-1) @ self.text_features.t()

    def forward(self, imgs: torch.Tensor) -> dict:
        b, t = imgs.shape[:2]
        frames = self.frame(imgs.flatten(0, 1)).view(b, t, -1)
        # temporal difference features make motion visible to the stand-in
        v = frames.mean(1) + (frames[:, 1:] - frames[:, :-1]).abs().mean(1)
        out = dict(y=self._logits(self.head_video, v),
                   y_cluster_all=self._logits(self.u_head_video, v), feature_v=v)
        if self.training:
            out['y_cluster_all_nograd'] = self._logits(self.u_head_video, v.detach())
        return out
