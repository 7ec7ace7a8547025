"""The Cross-X regularisers (paper Sec. 3: the cross-category cross-semantic regulariser, C3S,
and the cross-layer (CL) regulariser; equation numbers not given: the paper text was not
available offline to check them), as the official code computes them
(``RegularLoss`` of ``crossxresnetmix.py`` and the KL terms of ``modellearning.train``).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F


def c3s_loss(features: Sequence[torch.Tensor], gamma: float = 1.0) -> torch.Tensor:
    """C3S of one branch (official ``RegularLoss.forward``).

    Rows of each part's pooled features ``F_p`` (B x D) are L2-normalised; ``S_pq`` is the
    mean of all B x B entries of ``F_p F_q^T`` (every pair of samples, whatever their
    classes); the loss is ``gamma * (sum_p (1 - S_pp) + sum_{p<q} S_pq)``.

    Args:
        features: P tensors ``(B, D)`` or ``(B, D, 1, 1)``.
        gamma: the branch's weight (gamma_1 / gamma_2 / gamma_3 of ``initialization.py``).
    """
    parts = [F.normalize(f.flatten(1), dim=1, eps=1e-12) for f in features]
    means = [pi.mean(0) for pi in parts]   # mean_ij <a_i, b_j> = <mean a, mean b>
    num = len(parts)
    total = parts[0].new_zeros(())
    for p in range(num):
        total = total + (1 - means[p] @ means[p])
        for q in range(p + 1, num):
            total = total + means[p] @ means[q]
    return total * gamma


def cross_layer_kl(target_logits: torch.Tensor, other_logits: Sequence[torch.Tensor],
                   detach_target: bool = False) -> torch.Tensor:
    """``sum_b KL(softmax(target) || softmax(other)) / B`` summed over ``other_logits``
    (official: ``nn.KLDivLoss(reduction='sum')(log_softmax(other), softmax(ulti)) / B``).

    The official target (the ``ulti`` branch) is not detached, so the KL gradient also flows
    into it; ``detach_target=True`` stops it. We write ``sum p (log p - log q)`` with ``log p``
    from ``log_softmax``: the same value as ``F.kl_div``, and the same gradient wherever that
    one is finite; ``F.kl_div``'s gradient into a non-detached target is NaN as soon as a
    probability underflows to 0 (``xlogy``'s ``log 0``), which stopped our synthetic runs.
    """
    log_p = target_logits.log_softmax(1)
    if detach_target:
        log_p = log_p.detach()
    p = log_p.exp()
    batch = target_logits.shape[0]
    return sum((p * (log_p - o.log_softmax(1))).sum() for o in other_logits) / batch
