"""A tiny stand-in for the X-CLIP model with the same outputs as ``UMILXCLIP`` (tests and the
synthetic configs while the real backbone is not used): frames -> a small conv net averaged
over time -> ``v [B, D]``; two heads ``head_video`` / ``u_head_video`` (Linear(D, D), PyTorch's
default init, as the official leaves UMIL's heads) matched by scaled cosine against two fixed
class embeddings (a buffer, like the cached text features).

The class embeddings (``text``):

- ``'random'`` (default; the configs and checkpoints written before the text prior): two fixed
  random unit vectors (seed 0), no meaning;
- ``'words'``: the frozen "text features" of the prompts ``class_names`` (default
  ``('normal', 'abnormal')``, UMIL's) from the synthetic world's word vectors
  (:mod:`umil.word_text`), the vocabulary the ``text='words'`` pre-training captions are
  made of: the analogue of UMIL's cached CLIP text features of ``'normal'`` / ``'abnormal'``.

``head_init='identity'`` (not the official; a diagnosis only) starts both heads at the
identity (weight I, bias 0), so that at initialisation the anomaly score compares the
pre-trained video feature itself with the prompts' text features.
"""
from __future__ import annotations

from collections.abc import Sequence

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
                 logit_scale: float = 10.0, text: str = 'random',
                 class_names: Sequence[str] = ('normal', 'abnormal'),
                 head_init: str = 'default', init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.frame = nn.Sequential(
            nn.Conv2d(3, channels, 5, stride=2, padding=2), nn.GELU(),
            nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.GELU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, embed_dim))
        self.head_video = nn.Linear(embed_dim, embed_dim)
        self.u_head_video = nn.Linear(embed_dim, embed_dim)
        if head_init == 'identity':
            for head in (self.head_video, self.u_head_video):
                nn.init.eye_(head.weight)
                nn.init.zeros_(head.bias)
        elif head_init != 'default':
            raise ValueError(f"head_init must be 'default' or 'identity', got {head_init!r}")
        if text == 'random':
            emb = torch.randn(num_classes, embed_dim, generator=torch.Generator().manual_seed(0))
            emb = F.normalize(emb, dim=-1)
        elif text == 'words':
            from .word_text import text_features
            if len(class_names) != num_classes:
                raise ValueError(f'{len(class_names)} class_names {tuple(class_names)} for '
                                 f'num_classes={num_classes}')
            emb = text_features(class_names, embed_dim)
        else:
            raise ValueError(f"text must be 'random' or 'words', got {text!r}")
        self.text = text
        self.register_buffer('text_features', emb)
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
