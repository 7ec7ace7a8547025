"""AffinityNet's loss (paper Eq. 7-9; official ``train_aff.py``).

    L = 1/4 * mean_{bg+}(-log(a + eps)) + 1/4 * mean_{fg+}(-log(a + eps))
        + 1/2 * mean_{neg}(-log(1 + eps - a)),      eps = 1e-5,

each mean taken over the pairs of the whole batch with that label (``sum / (count + eps)``,
so an empty set contributes 0).
"""
from __future__ import annotations

import torch

EPS = 1e-5


def affinity_loss(aff: torch.Tensor, bg_pos: torch.Tensor, fg_pos: torch.Tensor,
                  neg: torch.Tensor, eps: float = EPS) -> dict:
    """``aff`` and the three 0/1 label tensors of one shape (``(B, D, N)``) -> ``dict(loss,
    loss_bg, loss_fg, loss_neg)`` (``loss`` the weighted total, the others for the log)."""
    if not (aff.shape == bg_pos.shape == fg_pos.shape == neg.shape):
        raise ValueError(f'affinity {tuple(aff.shape)} and labels {tuple(bg_pos.shape)}, '
                         f'{tuple(fg_pos.shape)}, {tuple(neg.shape)} differ in shape')
    bg_pos, fg_pos, neg = (t.to(aff.dtype) for t in (bg_pos, fg_pos, neg))
    bg = torch.sum(-bg_pos * torch.log(aff + eps)) / (bg_pos.sum() + eps)
    fg = torch.sum(-fg_pos * torch.log(aff + eps)) / (fg_pos.sum() + eps)
    ng = torch.sum(-neg * torch.log(1. + eps - aff)) / (neg.sum() + eps)
    total = bg / 4 + fg / 4 + ng / 2
    # mmengine sums every key containing 'loss': the parts are logged under other names
    return dict(loss=total, bg_term=bg.detach(), fg_term=fg.detach(), neg_term=ng.detach())
