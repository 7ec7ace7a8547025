"""Anomaly maps and image scores from the per-scale latents (Sec. III-D of the paper).

For each scale k the log-likelihood map (up to a constant) is l_k = -1/2 mean_c (z'_k)^2.

* Detection, "mul" aggregation (a product of per-scale likelihoods):
  L = sum_k up(l_k) - max L (per image), P_mul = exp(L), A_mul = max(P_mul) - P_mul (= 1 - P_mul),
  image score = mean of the top floor(top_k_ratio * H * W) values of A_mul.
* Localisation, "add" aggregation (a sum of per-scale likelihoods):
  p_k = exp(l_k - max l_k) at the scale's own resolution, P_add = sum_k up(p_k),
  A_add = max(P_add) - P_add.

``up`` is bilinear up-sampling with align_corners=True to the input size. Every step is per
image, so batching does not change the result.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F


def log_likelihood_maps(zs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """l_k = -1/2 * mean over channels of z_k^2, shape (B, H_k, W_k)."""
    return [-0.5 * torch.mean(z ** 2, dim=1) for z in zs]


def _up(maps: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    return F.interpolate(maps[:, None], size=tuple(size), mode='bilinear',
                         align_corners=True)[:, 0]


def _image_max(x: torch.Tensor) -> torch.Tensor:
    return x.flatten(1).max(dim=1).values[:, None, None]


def anomaly_map_mul(logp_maps: Sequence[torch.Tensor], size: Sequence[int]) -> torch.Tensor:
    """Detection map A_mul (B, H, W) from the "mul" aggregation."""
    total = sum(_up(lp, size) for lp in logp_maps)
    prob = torch.exp(total - _image_max(total))
    return _image_max(prob) - prob


def anomaly_map_add(logp_maps: Sequence[torch.Tensor], size: Sequence[int]) -> torch.Tensor:
    """Localisation map A_add (B, H, W) from the "add" aggregation."""
    prob = sum(_up(torch.exp(lp - _image_max(lp)), size) for lp in logp_maps)
    return _image_max(prob) - prob


def top_k_image_score(amap: torch.Tensor, top_k_ratio: float = 0.03) -> torch.Tensor:
    """Mean of the top floor(top_k_ratio * H * W) values of each map, shape (B,)."""
    k = int(amap.shape[-2] * amap.shape[-1] * top_k_ratio)
    if k < 1:
        raise ValueError(f'top_k_ratio={top_k_ratio} keeps no pixel of a {tuple(amap.shape[-2:])} '
                         'map; raise it or the input size')
    return amap.flatten(1).topk(k, dim=1).values.mean(dim=1)
