"""PPAP (Seong et al., ECCV 2024): progressive proxy anchor propagation and the loss that uses
it, on the shared masked SupCon core (:mod:`cvshared.ops.supcon`).

Official code: github.com/hynnsk/PPAP (MIT), ``loss.py::SupConLoss.forward(z, feat)``; paper
Sec. 3. ``F`` ``[N, D]``: the normalised frozen-backbone features of the batch's patches (the
official normalises them itself); ``z`` ``[N, d]``: the normalised projected decoder codes.

Per chunk of ``chunk_size`` patches (784, hard-coded officially, whatever the patch count of an
image), ``chunk_size // anchor_split`` random anchors ``i`` (``torch.randperm`` of the global
generator, one draw per chunk):

1. ``s_ij = F_i . F_j`` over all ``N`` patches; initial positives ``P = {j : s_ij > Phi_0}``
   (self included at this stage); the proxy ``p = F_i``; per-anchor thresholds ``Phi = Phi_0``,
   ``Psi = Psi_0``.
2. ``prop_iter`` times: ``p' = normalise(mean_{j in P} F_j)`` (the proxy moves to where the
   positives are dense), ``m = cos(p, p')``, ``Psi += (1 - m) / sigma_amb``,
   ``Phi -= (1 - m) / sigma_pos``, ``P = {j : p' . F_j > Phi}``, ``p = p'``.
3. Positives ``P`` (self excluded), negatives ``{j : p . F_j < Psi}``; the ambiguous zone
   ``Psi <= p . F_j <= Phi`` leaves the denominator, which keeps ``P`` and the negatives (self
   excluded).
4. The SupCon term with these masks (``(tau / 0.07)`` scale), averaged over the anchors with a
   positive, then over the chunks.

Official quirks kept: ``Phi`` and ``Psi`` start as float16 tensors, so the thresholds of the
propagation start from ``Phi_0`` and ``Psi_0`` rounded to float16 (0.55 -> 0.5498; the first
positive set uses the exact ``Phi_0``); the proxy is the normalised mean over *all* ``N``
patches of the masked features (= the normalised mean over ``P``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from cvshared.ops.supcon import masked_supcon, not_self_mask
from torch import Tensor

__all__ = ['propagate_proxy_anchors', 'ppap_loss']


def _half(x: float) -> float:
    return float(torch.tensor(x, dtype=torch.float16))


@torch.no_grad()
def propagate_proxy_anchors(anchors: Tensor, feats: Tensor, phi0: float, psi0: float,
                            prop_iter: int, sigma_pos: float, sigma_amb: float
                            ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Steps 1-3 for anchors ``[c, D]`` against ``feats`` ``[N, D]`` (both normalised).

    Returns ``(positives, negatives, proxy, phi, psi)``: bool ``[c, N]`` masks (self not yet
    removed), the final proxies ``[c, D]`` and thresholds ``[c]``.
    """
    sim = anchors @ feats.t()
    pos = sim > phi0
    proxy = anchors
    c = anchors.shape[0]
    phi = torch.full((c,), _half(phi0), dtype=sim.dtype, device=sim.device)
    psi = torch.full((c,), _half(psi0), dtype=sim.dtype, device=sim.device)
    for _ in range(prop_iter):
        new = F.normalize(pos.to(feats.dtype) @ feats / feats.shape[0], dim=1)
        sim = new @ feats.t()
        moved = 1.0 - F.cosine_similarity(proxy, new, dim=1, eps=1e-8)
        psi = psi + moved / sigma_amb
        phi = phi - moved / sigma_pos
        pos = sim > phi.unsqueeze(1)
        proxy = new
    neg = sim < psi.unsqueeze(1)
    return pos, neg, proxy, phi, psi


def ppap_loss(z: Tensor, feat: Tensor, temperature: float, phi0: float, psi0: float,
              prop_iter: int, sigma_pos: float, sigma_amb: float, anchor_split: int,
              chunk_size: int = 784, base_temperature: float = 0.07,
              generator: torch.Generator | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """PPAP's contrastive loss (module docstring) and the mean positive / negative counts.

    Args:
        z: ``[N, d]`` normalised projections (gradients flow into it).
        feat: ``[B, D, h, w]`` backbone features (normalised per patch here) or ``[N, D]``.
        temperature, phi0, psi0, prop_iter, sigma_pos, sigma_amb: the official ``tau``,
            ``initialcrit_pos``, ``initialcrit_amb``, ``prop_iter``, ``sigma_pos``, ``sigma_amb``.
        anchor_split: ``trainpatchsplit``: ``chunk_size // anchor_split`` anchors a chunk.
        generator: for the anchor draws (official: the global generator, same numbers).
    """
    if feat.dim() == 4:
        feat = feat.permute(0, 2, 3, 1).reshape(-1, feat.shape[1])
    feat = F.normalize(feat.detach(), dim=-1)
    n = z.shape[0]
    if feat.shape[0] != n:
        raise ValueError(f'feat has {feat.shape[0]} patches, z has {n}')
    if n % chunk_size:
        raise ValueError(f'{n} patches are not a whole number of chunks of {chunk_size}')
    chunks = n // chunk_size
    total = z.new_zeros(())
    pos_num = neg_num = 0.0
    for c in range(chunks):
        pick = torch.randperm(chunk_size, generator=generator)[:chunk_size // anchor_split]
        index = (c * chunk_size + pick).to(z.device)
        with torch.no_grad():
            pos, neg, _, _, _ = propagate_proxy_anchors(feat[index], feat, phi0, psi0,
                                                        prop_iter, sigma_pos, sigma_amb)
            other = not_self_mask(index, n)
            pos = pos & other
            keep = (pos | neg) & other
            valid = pos.any(dim=1)
        if not valid.any():
            raise ValueError(f'chunk {c}: no anchor has a positive; the loss is undefined')
        loss, _ = masked_supcon(z[index][valid], z, pos[valid], keep[valid], temperature,
                                base_temperature)
        total = total + loss.mean()
        pos_num += float(pos.sum()) / pos.shape[0]
        neg_num += float(neg.sum()) / neg.shape[0]
    return total / chunks, z.new_tensor(pos_num / chunks), z.new_tensor(neg_num / chunks)
