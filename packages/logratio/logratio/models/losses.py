"""The losses of the paper (Kim et al., CVPR 2019) on one mined minibatch.

A mined minibatch is ``embed[0]`` = the anchor ``f_a`` and ``embed[1:]`` = its M neighbours
``f_1 .. f_M``, in ascending label distance ``g_i = D_y(y_a, y_i)`` (the order of
:func:`logratio.datasets.mining.mine_dense`).

Notation: ``d_i = D(f_a, f_i)``. Following the official code (``LogRatioLoss.py``,
``utils.py::L2dist``), ``d_i = sqrt(||f_a - f_i||^2 + 1e-4 / D)`` (non-squared; ``D`` the
embedding dimension). The paper writes D(.) as the *squared* Euclidean distance
(``squared=True``: ``d_i = ||f_a - f_i||^2 + 1e-4 / D``), which doubles the embedding-side log
ratio.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from ..registry import MODELS

LOG_EPS = 1e-6  # inside every log, as in the official code


def anchor_distances(embed: torch.Tensor, squared: bool = False) -> torch.Tensor:
    """``d_i`` for i = 1..M (see the module docstring): ``(M+1, D) -> (M,)``."""
    if embed.dim() != 2 or embed.shape[0] < 3:
        raise ValueError(f'a mined minibatch is (1 + M, D) with M >= 2, got {tuple(embed.shape)}')
    sq = (embed[1:] - embed[:1]).pow(2).sum(1) + 1e-4 / embed.shape[1]
    return sq if squared else sq.sqrt()


def _check_gt(gt_dist: torch.Tensor, m: int) -> torch.Tensor:
    if gt_dist.shape != (m,):
        raise ValueError(f'gt_dist must hold one label distance per neighbour, shape ({m},), '
                         f'got {tuple(gt_dist.shape)}')
    return gt_dist


def log_ratio_loss(embed: torch.Tensor, gt_dist: torch.Tensor, squared: bool = False,
                   log_eps: float = LOG_EPS) -> torch.Tensor:
    """The log-ratio loss: mean over all pairs i < j of

        [log(d_i / d_j) - log(g_i / g_j)]^2     (logs of ``x + log_eps``)

    Written with ``r_i = log d_i - log g_i``: ``sum_{i<j} (r_i - r_j)^2 = M * sum_i (r_i -
    mean r)^2``, so the mean over the M(M-1)/2 pairs is ``2 * var(r)`` (unbiased): O(M)
    instead of the official M x M matrix, the same value (tests: a NumPy triple loop and the
    official golden). Invariant to scaling ``embed`` and ``gt_dist`` (up to the eps terms).
    """
    d = anchor_distances(embed, squared)
    gt = _check_gt(gt_dist, d.shape[0]).to(d)
    r = torch.log(d + log_eps) - torch.log(gt + log_eps)
    return 2 * r.var(unbiased=True)


def dense_triplet_loss(embed: torch.Tensor, margin: float = 0.03) -> torch.Tensor:
    """The dense triplet baseline (official ``Dense_TripletLoss.py``): squared distances
    ``d_i = ||f_a - f_i||^2 + 1e-4/D``, for all i < j (neighbour i is closer in label space:
    the batch order) ``max(d_i - d_j + margin, 1e-12)``, averaged over the M(M-1)/2 pairs.
    The official runs use L2-normalised embeddings (``normalize=True`` in the model)."""
    d = anchor_distances(embed, squared=True)
    m = d.shape[0]
    hinge = (d[:, None] - d[None, :] + margin).clamp(min=1e-12)
    return hinge.triu(1).sum() / (m * (m - 1) / 2)   # the pairs i < j only


def binary_triplet_loss(embed: torch.Tensor, num_pos: int = 5,
                        margin: float = 0.2) -> torch.Tensor:
    """The binary triplet baseline (official ``Naive_TripletLoss.py`` with ``naive_train``):
    ``embed[1:1+num_pos]`` are positives, the rest negatives; every (positive, negative) pair
    gives ``max(||f_a-f_p||^2 - ||f_a-f_n||^2 + margin, 1e-12)`` (squared distances + 1e-4/D),
    averaged over the num_pos * num_neg triplets."""
    d = anchor_distances(embed, squared=True)
    if not 0 < num_pos < d.shape[0]:
        raise ValueError(f'num_pos must be in [1, {d.shape[0] - 1}] for {d.shape[0]} '
                         f'neighbours, got {num_pos}')
    pos, neg = d[:num_pos], d[num_pos:]
    return (pos[:, None] - neg[None, :] + margin).clamp(min=1e-12).mean()


@MODELS.register_module()
class LogRatioLoss(nn.Module):
    """:func:`log_ratio_loss` as a module; ``squared`` picks the paper's D(.) convention."""

    def __init__(self, squared: bool = False, loss_weight: float = 1.0):
        super().__init__()
        self.squared, self.loss_weight = squared, loss_weight

    def forward(self, embed, gt_dist):
        return self.loss_weight * log_ratio_loss(embed, gt_dist, self.squared)


@MODELS.register_module()
class DenseTripletLoss(nn.Module):
    """:func:`dense_triplet_loss` as a module (label distances unused: the order is)."""

    def __init__(self, margin: float = 0.03, loss_weight: float = 1.0):
        super().__init__()
        self.margin, self.loss_weight = margin, loss_weight

    def forward(self, embed, gt_dist=None):
        return self.loss_weight * dense_triplet_loss(embed, self.margin)


@MODELS.register_module()
class BinaryTripletLoss(nn.Module):
    """:func:`binary_triplet_loss` as a module (use it with ``mine_binary`` batches)."""

    def __init__(self, num_pos: int = 5, margin: float = 0.2, loss_weight: float = 1.0):
        super().__init__()
        self.num_pos, self.margin, self.loss_weight = num_pos, margin, loss_weight

    def forward(self, embed, gt_dist=None):
        return self.loss_weight * binary_triplet_loss(embed, self.num_pos, self.margin)


def l2_normalize(x: torch.Tensor) -> torch.Tensor:
    """Official ``l2_norm``: ``x / sqrt(sum x^2 + 1e-10)``."""
    return x / (x.pow(2).sum(1, keepdim=True) + 1e-10).sqrt()


__all__ = ['anchor_distances', 'log_ratio_loss', 'dense_triplet_loss', 'binary_triplet_loss',
           'LogRatioLoss', 'DenseTripletLoss', 'BinaryTripletLoss', 'l2_normalize']
