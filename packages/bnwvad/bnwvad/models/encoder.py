"""BN-WVAD's temporal encoder (the paper's Sec. III-B; ``Temporal`` + ``Transformer`` of the
official ``models/``): Conv1d(1024 -> 512, k 3) + ReLU, then pre-LN transformer layers whose
attention mixes a softmax attention with a fixed temporal distance kernel."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from ..registry import MODELS


def distance_kernel(n: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """The fixed ``(n, n)`` kernel ``G``: ``G[i, j] = exp(-|i - j| / e)``, then element
    ``[i, j]`` divided by the sum of row ``j``: the official ``attn2 / attn2.sum(-1)``
    broadcasts the row-sum vector along the last axis (a column normalisation, since ``G`` is
    symmetric). Kept exactly as officially: columns, not rows, sum to 1."""
    pos = torch.arange(1, n + 1, device=device, dtype=dtype)
    g = torch.exp(-(pos[None, :] - pos[:, None]).abs() / math.e)
    return g / g.sum(-1)


_KERNELS: dict = {}


def cached_distance_kernel(n: int, device, dtype) -> torch.Tensor:
    """:func:`distance_kernel`, built once per ``(n, device, dtype)`` (a constant without
    gradient; the official code rebuilds it, repeated per batch and head, in every call).
    Not cached under ``torch.inference_mode`` (an inference tensor cannot be saved for a
    later backward); at most 64 lengths are kept."""
    if torch.is_inference_mode_enabled():
        return distance_kernel(n, device, dtype)
    key = (n, torch.device(device) if device is not None else None, dtype)
    g = _KERNELS.get(key)
    if g is None:
        if len(_KERNELS) >= 64:
            _KERNELS.clear()
        g = _KERNELS[key] = distance_kernel(n, device, dtype)
    return g


class DistanceAttention(nn.Module):
    """``proj(concat_h(softmax(q k^T / sqrt(d)) v, G t))``: q, k, v and a 4th projection t
    from one bias-free linear layer (``heads * head_dim * 4``)."""

    def __init__(self, dim: int = 512, heads: int = 4, head_dim: int = 128):
        super().__init__()
        self.heads, self.head_dim = heads, head_dim
        self.qkvt = nn.Linear(dim, 4 * heads * head_dim, bias=False)
        self.proj = nn.Linear(2 * heads * head_dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        q, k, v, t = (y.view(b, n, self.heads, self.head_dim).transpose(1, 2)
                      for y in self.qkvt(x).chunk(4, dim=-1))
        attn = torch.softmax(q @ k.transpose(-1, -2) * self.head_dim ** -0.5, dim=-1)
        local = cached_distance_kernel(n, x.device, x.dtype) @ t   # same G for every head
        out = torch.cat([attn @ v, local], dim=-1)                  # b h n 2d
        return self.proj(out.transpose(1, 2).reshape(b, n, -1))


class EncoderLayer(nn.Module):
    """Pre-LN: ``x + attn(LN(x))`` then ``x + FFN(LN(x))`` (FFN: Linear, GELU, Linear)."""

    def __init__(self, dim: int = 512, heads: int = 4, head_dim: int = 128, mlp_dim: int = 512):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = DistanceAttention(dim, heads, head_dim)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, mlp_dim)
        self.fc2 = nn.Linear(mlp_dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # branch first, residual second: the sum takes the branch's contiguous layout
        x = self.attn(self.norm1(x)) + x
        return self.fc2(F.gelu(self.fc1(self.norm2(x)))) + x


@MODELS.register_module()
class BnwvadTemporalEncoder(BaseModule):
    """``(B, T, in_channels)`` snippet features -> ``(B, T, dim)``.

    Args:
        in_channels: 1024 (I3D RGB).
        dim, depth, heads, head_dim, mlp_dim: 512, 2, 4, 128, 512 officially.
    """

    def __init__(self, in_channels: int = 1024, dim: int = 512, depth: int = 2, heads: int = 4,
                 head_dim: int = 128, mlp_dim: int = 512, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.embed = nn.Conv1d(in_channels, dim, 3, padding=1)
        self.layers = nn.ModuleList(EncoderLayer(dim, heads, head_dim, mlp_dim)
                                    for _ in range(depth))
        self.out_channels = dim

    def embedding(self, x: torch.Tensor) -> torch.Tensor:
        """``relu(conv1d(x))`` of the official ``Temporal`` on ``(B, T, C)``."""
        return F.relu(self.embed(x.transpose(1, 2))).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.embedding(x)
        for layer in self.layers:
            x = layer(x)
        return x
