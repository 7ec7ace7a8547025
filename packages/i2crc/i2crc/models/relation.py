"""I2CRC's saliency-guided relation constraints (paper Sec. III-B/C), on the 20-channel CAM
logits ``x`` (``B x C x h x w``, the classifier's last 1x1 conv) and saliency maps ``s``
(``B x H x W`` in [0, 1]; the data pipeline resizes them to the 256 x 256 training input).

The CAM is upsampled bilinearly (``align_corners=False``) to the saliency's size, ``X``.
For a region weight map ``w`` (``w = s`` for the salient foreground, ``w = 1 - s`` for the
background):

* prototype (the paper's region "centre"):
  ``c_w[b, k] = sum_p X[b, k, p] w[b, p] / (sum_p w[b, p] + 1e-5)``;
* compactness (the *saliency-guided class-agnostic distance module*, intra-class relation):
  ``L_w = mean_{b, k} sum_p (w[b, p] (X[b, k, p] - c_w[b, k]))^2 / (sum_p w[b, p] + 1e-5)``.
  The weight multiplies the difference *before* squaring, so ``w^2`` weighs the squared
  distance (the official ``centerLoss``; kept: it is the code that produced the paper's
  numbers), while the normaliser is ``sum w``;
* class-specific distance (the *class-specific distance module*, inter-class relation):
  ``L_dist = mean_{b, k} (c_bg[b, k] - c_fg[b, k]) y[b, k]``, a mean over all ``B x C``
  entries of which only the ground-truth class is non-zero: it raises the GT class's CAM in
  the salient region above the non-salient one.

Only images with exactly one positive label enter (the others' saliency may cover objects of
several classes); with none in the batch the three losses are 0.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

EPS = 1e-5


def upsample_to(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size=tuple(size), mode='bilinear', align_corners=False)


def region_prototype(x_up: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``(B, C, H, W), (B, H, W) -> (B, C)``: the ``w``-weighted mean of each channel."""
    w = w[:, None]
    return (x_up * w).sum((2, 3)) / (w.sum((2, 3)) + EPS)


def compactness_loss(x_up: torch.Tensor, w: torch.Tensor,
                     center: torch.Tensor) -> torch.Tensor:
    """``mean_{b,k} sum_p (w (X - c))^2 / (sum_p w + eps)`` (the w^2 quirk, module docstring)."""
    w = w[:, None]
    diff = (x_up - center[:, :, None, None]) * w
    return ((diff ** 2).sum((2, 3)) / (w.sum((2, 3)) + EPS)).mean()


def relation_losses(cam: torch.Tensor, saliency: torch.Tensor,
                    labels: torch.Tensor) -> dict[str, torch.Tensor]:
    """``dict(fg=L_fg, bg=L_bg, dist=L_dist, num_single=n)`` over the single-label images.

    Args:
        cam: ``(B, C, h, w)`` CAM logits.
        saliency: ``(B, H, W)`` saliency in [0, 1].
        labels: ``(B, C)`` multi-hot image labels.
    """
    if saliency.dim() != 3 or saliency.shape[0] != cam.shape[0]:
        raise ValueError(f'relation_losses: saliency must be (B, H, W) with B = {cam.shape[0]}, '
                         f'got {tuple(saliency.shape)}')
    single = labels.sum(1) == 1
    n = int(single.sum())
    if n == 0:
        zero = cam.sum() * 0.0
        return dict(fg=zero, bg=zero, dist=zero, num_single=0)
    x, s, y = cam[single], saliency[single].to(cam.dtype), labels[single].to(cam.dtype)
    x_up = upsample_to(x, s.shape[-2:])
    c_fg = region_prototype(x_up, s)
    c_bg = region_prototype(x_up, 1 - s)
    return dict(fg=compactness_loss(x_up, s, c_fg), bg=compactness_loss(x_up, 1 - s, c_bg),
                dist=((c_bg - c_fg) * y).mean(), num_single=n)
