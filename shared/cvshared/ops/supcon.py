"""Masked supervised-contrastive core: the loss of Hidden Positives (HP) and PPAP, and SupCon.

For anchors ``z_a`` ``[M, D]`` and a contrast set ``z_c`` ``[N, D]`` (both L2-normalised by the
caller), logits ``l_ij = z_a_i . z_c_j / tau`` and, per anchor ``i``::

    loss_i = -(tau / tau_b) * sum_j W_ij * (l_ij - log sum_k K_ik exp(l_ik)) / sum_j W_ij

``W`` ``[M, N]`` is the positive-weight mask (binary, or weighted as HP's ``GHP_ag + lambda *
GHP_sp``), ``K`` ``[M, N]`` the keep-mask of the denominator (HP: the task-agnostic positives plus
a random fraction rho of the rest; PPAP: positives and negatives, the ambiguous zone dropped;
SupCon: every sample but the anchor). A positive need not be kept in the denominator (HP's
task-specific positives are not). ``tau_b`` is the base temperature (0.07 in both papers).
An anchor with ``sum_j W_ij = 0`` or an empty ``K`` row is *invalid*: its loss is 0 and it is
flagged, so the caller drops it (both official losses average over the valid anchors only).

SupCon (Khosla et al. 2020, "SupContrast", ``L_out``) is the special case ``W_ij = [y_i = y_j,
j != i]``, ``K_ij = [j != i]``; with ``tau_b = tau`` it is pytorch-metric-learning's
``SupConLoss`` (tested).

Memory. :func:`masked_supcon` is an autograd Function over one chunk of anchors: it keeps the
masks and one log-sum-exp per anchor, not the ``[M, N]`` logits, and recomputes the logits in
the backward pass; ``save_probabilities=True`` keeps the chunk's ``[M, N]`` float
probabilities instead (one matrix product fewer; HP uses it: 1.32x -> 1.67x the official at 2
images, still less memory than the official). :func:`chunked_masked_supcon` takes the masks
from a callable, one chunk of anchor rows at a time, so the whole ``[M, N]`` float matrix
never exists at once; the masks it keeps for the backward pass are in the dtype the callable
returns (``bool``: 1 byte a pair).
The official losses keep every chunk's half-precision logits, exponentials and masks in the
autograd graph.

Written by hand: no library has a masked, weighted, chunked SupCon (pytorch-metric-learning's
``SupConLoss`` takes labels only; its ``miner`` gives pairs, not weights or keep-masks).
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

__all__ = ['cosine_similarity', 'not_self_mask', 'supcon_label_masks', 'masked_supcon',
           'chunked_masked_supcon', 'masked_supcon_reference']


def cosine_similarity(a: Tensor, b: Tensor | None = None, eps: float = 1e-12) -> Tensor:
    """``[M, N]`` cosine similarities of the rows of ``a`` ``[M, D]`` and ``b`` ``[N, D]``.

    ``b=None`` gives the self-similarity of ``a``. Rows are L2-normalised with
    ``F.normalize(eps=eps)`` (HP normalises with ``eps=1e-10``, PPAP with the default 1e-12).
    """
    if a.dim() != 2 or (b is not None and (b.dim() != 2 or b.shape[1] != a.shape[1])):
        raise ValueError(f'cosine_similarity needs [M, D] and [N, D] matrices, got '
                         f'{tuple(a.shape)} and {None if b is None else tuple(b.shape)}')
    a = F.normalize(a, dim=1, eps=eps)
    b = a if b is None else F.normalize(b, dim=1, eps=eps)
    return a @ b.t()


def not_self_mask(anchor_index: Tensor, n: int) -> Tensor:
    """``bool [len(anchor_index), n]``: False where column ``j`` is the anchor itself."""
    anchor_index = torch.as_tensor(anchor_index).long()
    if anchor_index.numel() and (anchor_index.min() < 0 or anchor_index.max() >= n):
        raise ValueError(f'anchor indices must lie in [0, {n}), got '
                         f'{int(anchor_index.min())}..{int(anchor_index.max())}')
    mask = torch.ones(anchor_index.numel(), n, dtype=torch.bool, device=anchor_index.device)
    mask[torch.arange(anchor_index.numel(), device=anchor_index.device), anchor_index] = False
    return mask


def supcon_label_masks(anchor_labels: Tensor, contrast_labels: Tensor,
                       anchor_index: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """SupCon's ``(W, K)``: same-label positives and every other sample in the denominator.

    ``anchor_index``: the anchors' rows in the contrast set (excluded from both masks); None when
    anchors and contrast set are disjoint.
    """
    pos = anchor_labels.view(-1, 1) == contrast_labels.view(1, -1)
    keep = torch.ones_like(pos)
    if anchor_index is not None:
        other = not_self_mask(anchor_index, contrast_labels.numel()).to(pos.device)
        pos, keep = pos & other, keep & other
    return pos, keep


def _check(anchors: Tensor, contrast: Tensor, weight: Tensor, keep: Tensor,
           temperature: float) -> None:
    if anchors.dim() != 2 or contrast.dim() != 2 or anchors.shape[1] != contrast.shape[1]:
        raise ValueError(f'masked_supcon needs anchors [M, D] and contrast [N, D], got '
                         f'{tuple(anchors.shape)} and {tuple(contrast.shape)}')
    want = (anchors.shape[0], contrast.shape[0])
    for name, m in (('positive weights', weight), ('keep mask', keep)):
        if tuple(m.shape) != want:
            raise ValueError(f'the {name} must be [M, N] = {list(want)}, got {list(m.shape)}')
    if not temperature > 0:
        raise ValueError(f'temperature must be > 0, got {temperature}')


class _MaskedSupCon(torch.autograd.Function):

    @staticmethod
    def forward(ctx, anchors: Tensor, contrast: Tensor, weight: Tensor, keep: Tensor,
                temperature: float, scale: float, save_probabilities: bool = False):
        logits = (anchors / temperature) @ contrast.t()      # [M, D] scaled, not [M, N]
        keep_f = keep.to(logits.dtype)
        weight_f = weight.to(logits.dtype)
        # the row maximum over all columns (as both official losses) cancels in l - lse
        shift = logits.detach().amax(dim=1, keepdim=True)
        kept_exp = torch.exp(logits - shift) * keep_f
        denom = kept_exp.sum(dim=1)
        pos = weight_f.sum(dim=1)
        valid = (pos > 0) & (denom > 0)
        safe_denom = torch.where(valid, denom, torch.ones_like(denom))
        lse = shift.squeeze(1) + torch.log(safe_denom)
        mean_pos = (weight_f * logits).sum(dim=1) / torch.where(valid, pos, torch.ones_like(pos))
        loss = torch.where(valid, -scale * (mean_pos - lse), torch.zeros_like(lse))
        # the backward needs p_ij = K_ij exp(l_ij - lse_i): kept (one [M, N] float matrix), or
        # recomputed from the inputs (one more matrix product, no [M, N] float kept)
        third = kept_exp.div_(safe_denom.unsqueeze(1)) if save_probabilities else keep
        ctx.save_for_backward(anchors, contrast, weight, third, lse, pos, valid)
        ctx.temperature, ctx.scale = temperature, scale
        ctx.save_probabilities = save_probabilities
        ctx.mark_non_differentiable(valid)
        return loss, valid

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_loss: Tensor, _grad_valid):
        anchors, contrast, weight, third, lse, pos, valid = ctx.saved_tensors
        tau, scale = ctx.temperature, ctx.scale
        if ctx.save_probabilities:
            prob = third
        else:
            logits = (anchors / tau) @ contrast.t()
            prob = torch.exp(logits - lse.unsqueeze(1)) * third.to(logits.dtype)
        # d loss_i / d l_ij = -scale * (W_ij / sum_j W_ij - p_ij), zero on invalid rows
        # (the 1 / tau of d l / d z folded into the per-row factors)
        upstream = torch.where(valid, scale * grad_loss / tau, torch.zeros_like(pos))
        per_weight = upstream / torch.where(valid, pos, torch.ones_like(pos))
        g = prob * upstream.unsqueeze(1) - weight.to(prob.dtype) * per_weight.unsqueeze(1)
        grad_a = g @ contrast if ctx.needs_input_grad[0] else None
        grad_c = g.t() @ anchors if ctx.needs_input_grad[1] else None
        return grad_a, grad_c, None, None, None, None, None


def masked_supcon(anchors: Tensor, contrast: Tensor, weight: Tensor, keep: Tensor,
                  temperature: float, base_temperature: float = 0.07,
                  save_probabilities: bool = False) -> tuple[Tensor, Tensor]:
    """Per-anchor loss ``[M]`` and validity ``bool [M]`` of one chunk (module docstring).

    Gradients reach ``anchors`` and ``contrast`` (they may be views of one tensor, as when the
    anchors are rows of the contrast set); the masks take none. ``save_probabilities=True``
    keeps the chunk's ``[M, N]`` probabilities for the backward pass instead of the keep-mask,
    trading ``4 M N`` bytes (float32) for one matrix product fewer in the backward.
    """
    _check(anchors, contrast, weight, keep, temperature)
    scale = float(temperature) / float(base_temperature)
    return _MaskedSupCon.apply(anchors, contrast, weight.detach(), keep.detach(),
                               float(temperature), scale, bool(save_probabilities))


def chunked_masked_supcon(anchors: Tensor, contrast: Tensor,
                          masks: Callable[[int, int], tuple[Tensor, Tensor]],
                          temperature: float, base_temperature: float = 0.07,
                          chunk_size: int = 784) -> tuple[Tensor, Tensor]:
    """:func:`masked_supcon` over anchor rows ``[start, stop)`` in chunks of ``chunk_size``.

    ``masks(start, stop)`` returns that chunk's ``(W, K)``, each ``[stop - start, N]`` (784 =
    28 x 28 patches, one image, is the official chunk of both papers). Returns the per-anchor loss
    ``[M]`` and validity ``[M]``; the reduction (the official losses average per chunk, HP
    re-weights the anchors) is the caller's.
    """
    if chunk_size < 1:
        raise ValueError(f'chunk_size must be >= 1, got {chunk_size}')
    losses, valids = [], []
    for start in range(0, anchors.shape[0], chunk_size):
        stop = min(start + chunk_size, anchors.shape[0])
        weight, keep = masks(start, stop)
        loss, valid = masked_supcon(anchors[start:stop], contrast, weight, keep, temperature,
                                    base_temperature)
        losses.append(loss)
        valids.append(valid)
    if not losses:
        return anchors.new_zeros(0), torch.zeros(0, dtype=torch.bool, device=anchors.device)
    return torch.cat(losses), torch.cat(valids)


def masked_supcon_reference(anchors: Tensor, contrast: Tensor, weight: Tensor, keep: Tensor,
                            temperature: float, base_temperature: float = 0.07
                            ) -> tuple[Tensor, Tensor]:
    """The same loss written plainly with autograd (the test reference; full ``[M, N]``)."""
    logits = anchors @ contrast.t() / temperature
    keep = keep.to(logits.dtype)
    weight = weight.to(logits.dtype)
    valid = (weight.sum(1) > 0) & (keep.sum(1) > 0)
    log_prob = logits - torch.logsumexp(logits.masked_fill(keep == 0, float('-inf')), dim=1,
                                        keepdim=True)
    log_prob = torch.where(weight > 0, log_prob, torch.zeros_like(log_prob))
    mean = (weight * log_prob).sum(1) / weight.sum(1).clamp_min(1e-30)
    loss = -(temperature / base_temperature) * mean
    return torch.where(valid, loss, torch.zeros_like(loss)), valid
