"""Hidden Positives (Seong et al., CVPR 2023): the global and local hidden positives and the
loss that uses them, on the shared masked SupCon core (:mod:`cvshared.ops.supcon`).

Official code: github.com/hynnsk/HP (MIT), ``loss.py::SupConLoss`` (the loss, loss_version 1
with re-weighting, every official config) and ``model/dino/DinoFeaturizer.py`` (the local
hidden positives); paper Sec. 3.2-3.4. Notation: ``N`` patches of a batch (``B x h x w``),
``f`` the normalised backbone features ``[N, D]``, ``s`` the normalised EMA-head codes
``[N, d]``, ``z`` / ``z_mix`` the normalised projected codes and projected LHP codes.

Global hidden positives (Sec. 3.2, Eq. 2-4). With a reference pool ``Pool`` (one random patch
feature per training image), the anchor threshold is ``R_i = max_r cos(x_i, Pool_r)`` and
``GHP[i, j] = [cos(x_i, x_j) > R_i] or [cos(x_i, x_j) > R_j]`` (the official symmetrises with
the column thresholds), self excluded: task-agnostic from ``f`` and ``Pool_ag``, task-specific
from ``s`` and ``Pool_sp``.

Loss (Eq. 5-7 as the official computes it), in chunks of ``chunk_size`` anchors (784 = one
28 x 28 image officially):

- positive weights ``W = GHP_ag + lambda * GHP_sp``;
- denominator: ``GHP_ag`` plus a random fraction ``rho`` of all patches, self excluded (the
  task-specific positives are not forced in; the random draw is one ``[chunk, N]`` matrix made
  once per call and used for every chunk, as the official);
- anchors without task-agnostic positives are dropped; each kept anchor is re-weighted by
  ``pnm_i = sum_j W_ij / mean_k sum_j W_kj`` over the chunk's kept anchors;
- per chunk ``-mean_i (tau / 0.07) pnm_i sum_j W_ij log p_ij / sum_j W_ij`` for ``z`` and the
  same with ``z_mix`` (the local hidden positives share ``W``, the denominator and ``pnm``);
  the total is the sum over chunks of both terms, divided by ``2 x`` the number of chunks.

Precision: the official holds the masks in float16, so with 0 < lambda < 1 its weights and their
row sums are rounded to float16 (relative 2^-11); ours are float32. On the golden case with
lambda = 0.3 the loss differs by 1.2e-5 relative; with lambda = 0 or 1 (integer weights) the two
agree to float32 rounding.

Local hidden positives (Sec. 3.3, Eq. 8-9): the last block's self-attention *logits*
(``q k^T * scale`` before the softmax: the official ViT returns ``attn_hook``, the clone taken
before the softmax) averaged over the heads (patch-patch), clamped per row to its 10 / 90 %
quantiles, softmaxed, times ``sigma = 28``, zeroed below its row mean (over all patches),
masked to each patch's 3 x 3 neighbourhood (clipped at the border);
``code_lhp_i = sum_j A_ij code_j / |neighbourhood(i)|``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from cvshared.ops.supcon import masked_supcon, not_self_mask
from torch import Tensor

__all__ = ['neighbourhood_mask', 'local_attention', 'local_hidden_positive_codes',
           'pool_thresholds', 'global_hidden_positives', 'hidden_positives_loss']


def neighbourhood_mask(h: int, w: int, device=None) -> tuple[Tensor, Tensor]:
    """``bool [h w, h w]``: patch ``j`` in the 3 x 3 neighbourhood of ``i`` (row-major, border
    clipped, ``i`` included); and ``long [h w, 1]``: the neighbourhood sizes (4, 6 or 9)."""
    idx = torch.arange(h * w, device=device, dtype=torch.float64).view(1, 1, h, w) + 1
    cols = F.unfold(idx, kernel_size=3, padding=1)[0].long() - 1   # [9, hw], -1 outside
    mask = torch.zeros(h * w, h * w, dtype=torch.bool, device=device)
    rows = torch.arange(h * w, device=device).expand(9, -1)
    inside = cols >= 0
    mask[rows[inside], cols[inside]] = True
    return mask, mask.sum(1, keepdim=True)


def local_attention(attn: Tensor, h: int, w: int, sigma: float = 28.0) -> Tensor:
    """HP's propagation weights ``[B, hw, hw]`` from the ViT's last attention.

    ``attn``: the pre-softmax attention ``[B, heads, 1 + hw, 1 + hw]`` (class token first) or
    ``[B, heads, hw, hw]``.
    """
    if attn.dim() != 4 or attn.shape[-1] != attn.shape[-2]:
        raise ValueError(f'attention must be [B, heads, T, T], got {tuple(attn.shape)}')
    n = h * w
    if attn.shape[-1] == n + 1:
        attn = attn[:, :, 1:, 1:]
    elif attn.shape[-1] != n:
        raise ValueError(f'attention over {attn.shape[-1]} tokens does not match {h} x {w} '
                         'patches (+ the class token)')
    a = attn.float().mean(dim=1)
    hi = torch.quantile(a, 0.9, dim=2, keepdim=True)
    lo = torch.quantile(a, 0.1, dim=2, keepdim=True)
    a = torch.maximum(torch.minimum(a, hi), lo).softmax(dim=-1) * sigma
    a = torch.where(a < a.mean(dim=2, keepdim=True), torch.zeros_like(a), a)
    mask, _ = neighbourhood_mask(h, w, a.device)
    return a * mask


def local_hidden_positive_codes(code: Tensor, weights: Tensor) -> Tensor:
    """``code_lhp`` ``[B, d, h, w]`` from the head's ``code`` and :func:`local_attention`."""
    b, d, h, w = code.shape
    _, counts = neighbourhood_mask(h, w, code.device)
    flat = code.flatten(2).transpose(1, 2)                          # [B, hw, d]
    mixed = torch.bmm(weights.to(code.dtype), flat) / counts.to(code.dtype)
    return mixed.transpose(1, 2).reshape(b, d, h, w)


def pool_thresholds(x: Tensor, pool: Tensor) -> Tensor:
    """``R_i = max_r x_i . pool_r`` ``[N]`` (both normalised by the caller)."""
    return (x @ pool.t()).amax(dim=1)


def global_hidden_positives(x_chunk: Tensor, x: Tensor, r_chunk: Tensor, r: Tensor) -> Tensor:
    """``bool [c, N]``: ``cos > R_i`` (row) or ``cos > R_j`` (column); self not removed."""
    cos = x_chunk @ x.t()
    return (cos > r_chunk.unsqueeze(1)) | (cos > r.unsqueeze(0))


def hidden_positives_loss(z: Tensor, z_mix: Tensor, s: Tensor, f: Tensor, pool_ag: Tensor,
                          pool_sp: Tensor, lmbd: float, temperature: float, rho: float,
                          chunk_size: int = 784, base_temperature: float = 0.07,
                          reweight: bool = True, generator: torch.Generator | None = None
                          ) -> Tensor:
    """HP's ``L_GHP + L_LHP`` over the batch (module docstring), a scalar.

    Args:
        z, z_mix: ``[N, dz]`` normalised projections of the head codes and of the LHP codes.
        s: ``[N, d]`` normalised EMA-head codes; f: ``[N, D]`` normalised backbone features.
        pool_ag, pool_sp: reference pools ``[P, D]`` / ``[P, d]``.
        lmbd: weight of the task-specific positives (0 before warm-up, then linear to 1).
        temperature, rho: tau and the kept fraction of the other patches (COCO 0.8 / 0.02).
        chunk_size: anchors per chunk; ``N`` must be a multiple of it (the official drops the
            remainder silently; here it is an error).
        reweight: HP's ``pnm`` re-weighting (on in every official config).
        generator: for the ``rho`` draw (the official uses the global generator:
            ``torch.empty(chunk, N).uniform_() < rho``, the same numbers).
    """
    n = z.shape[0]
    if n % chunk_size:
        raise ValueError(f'{n} patches are not a whole number of chunks of {chunk_size} '
                         '(one image of spatial_size^2 patches each)')
    for name, t in (('z_mix', z_mix), ('s', s), ('f', f)):
        if t.shape[0] != n:
            raise ValueError(f'{name} has {t.shape[0]} rows, z has {n}')
    with torch.no_grad():
        neglect = torch.empty(chunk_size, n).uniform_(generator=generator) < rho
        neglect = neglect.to(z.device)
        r_ag = pool_thresholds(f, pool_ag)
        r_sp = pool_thresholds(s, pool_sp)
    total = z.new_zeros(())
    chunks = n // chunk_size
    for c in range(chunks):
        lo, hi = c * chunk_size, (c + 1) * chunk_size
        with torch.no_grad():
            other = not_self_mask(torch.arange(lo, hi, device=z.device), n)
            ag = global_hidden_positives(f[lo:hi], f, r_ag[lo:hi], r_ag) & other
            sp = global_hidden_positives(s[lo:hi], s, r_sp[lo:hi], r_sp) & other
            keep = (ag | neglect) & other
            kept = ag.any(dim=1)
            weight = (ag.to(z.dtype) + lmbd * sp.to(z.dtype))[kept]
            keep = keep[kept]
            if reweight:
                pnm = weight.sum(1)
                pnm = pnm / pnm.mean()
            else:
                pnm = torch.ones(weight.shape[0], dtype=z.dtype, device=z.device)
        if not kept.any():
            # the official takes the mean of an empty selection: NaN; say so instead
            raise ValueError(f'chunk {c} (patches {lo}..{hi - 1}) has no anchor with a '
                             'task-agnostic hidden positive; the loss is undefined')
        for emb in (z, z_mix):
            # the probabilities are kept for the backward (4 c N bytes a term; the official
            # keeps more): no logits recomputed (benchmarks/loss_vs_official.py)
            loss, _ = masked_supcon(emb[lo:hi][kept], emb, weight, keep, temperature,
                                    base_temperature, save_probabilities=True)
            total = total + (loss * pnm).mean()
    return total / chunks / 2
