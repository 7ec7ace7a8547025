"""Peer selection and the peer-learning loss (Sun et al., ICCV 2021, arXiv 2108.02399, the
peer-learning model of its Fig. 2), and the drop-rate ramp.

Notation (paper): two networks h1, h2 predict y1_hat, y2_hat for a mini-batch. G_d are the
samples on which the predictions *disagree*, G_s those on which they *agree*. Within G_s each
network ranks its own per-sample cross-entropy and keeps the n = floor((1 - r_e) |G_s|)
smallest: G_s1 (chosen by h1) and G_s2 (chosen by h2). The peers *exchange* their choices: h1
is updated on G_d u G_s2, h2 on G_d u G_s1 (mean cross-entropy over that set).

Mirrors the official ``loss_plm.py::peer_learning_loss`` (weblyFG-dataset, commit c0e7f21) and
the drop-rate plan of ``main.py`` (``rate_schedule``); written from the paper and the card.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['PeerSelection', 'peer_selection', 'peer_learning_loss', 'drop_rate_at']


class PeerSelection(NamedTuple):
    """Index tensors into the mini-batch (all ``long``, on the logits' device).

    ``disagree`` = G_d, ``agree`` = G_s (ascending batch order); ``keep1`` = G_s1 and ``keep2``
    = G_s2 (in ascending order of the choosing network's loss); ``update1`` = G_d u G_s2 (what
    h1 learns from) and ``update2`` = G_d u G_s1."""

    disagree: Tensor
    agree: Tensor
    keep1: Tensor
    keep2: Tensor
    update1: Tensor
    update2: Tensor


def peer_selection(logits1: Tensor, logits2: Tensor, labels: Tensor,
                   drop_rate: float) -> PeerSelection:
    """The sample sets of one peer-learning step (no gradient flows through the choice).

    Edge cases (the card's step 4; the official branches): G_s empty -> both peers learn from
    G_d only; G_d empty -> only the exchanged small-loss agreed samples (Co-teaching's cross
    update restricted to the agreed samples, which are then the whole batch).

    Args:
        logits1, logits2: ``(N, C)`` scores of h1 and h2.
        labels: ``(N,)`` (noisy) class indices.
        drop_rate: r_e of this epoch, in [0, 1].
    """
    if not 0.0 <= float(drop_rate) <= 1.0:
        raise ValueError(f'drop_rate must be in [0, 1], got {drop_rate}')
    with torch.no_grad():
        pred1, pred2 = logits1.argmax(1), logits2.argmax(1)
        disagree = (pred1 != pred2).nonzero().flatten()
        agree = (pred1 == pred2).nonzero().flatten()
        # n = floor((1 - r_e) |G_s|), the official float expression (int() truncates)
        n = int((1 - drop_rate) * agree.numel())
        loss1 = F.cross_entropy(logits1[agree], labels[agree], reduction='none')
        loss2 = F.cross_entropy(logits2[agree], labels[agree], reduction='none')
        keep1 = agree[torch.argsort(loss1)[:n]]
        keep2 = agree[torch.argsort(loss2)[:n]]
    return PeerSelection(disagree, agree, keep1, keep2,
                         torch.cat([disagree, keep2]), torch.cat([disagree, keep1]))


def _mean_ce(logits: Tensor, labels: Tensor, index: Tensor) -> Tensor:
    if index.numel() == 0:
        # G_d empty and n = 0 (|G_s| (1 - r_e) < 1): the official mean over no sample is NaN;
        # ours is a zero that keeps the graph (the step changes nothing but Adam's counters)
        return logits.sum() * 0.0
    return F.cross_entropy(logits[index], labels[index])


def peer_learning_loss(logits1: Tensor, logits2: Tensor, labels: Tensor,
                       drop_rate: float) -> tuple[Tensor, Tensor, PeerSelection]:
    """``(loss of h1, loss of h2, selection)``: the mean cross-entropy of h1 over G_d u G_s2 and
    of h2 over G_d u G_s1 (the paper's Fig. 2, the official ``peer_learning_loss``)."""
    sel = peer_selection(logits1, logits2, labels, drop_rate)
    return (_mean_ce(logits1, labels, sel.update1), _mean_ce(logits2, labels, sel.update2),
            sel)


def drop_rate_at(epoch: int, drop_rate: float, T_k: int) -> float:
    """r_e of the 0-based ``epoch``: linear from 0 (epoch 0) to ``drop_rate`` (epoch T_k - 1),
    then constant (the official ``rate_schedule[:T_k] = np.linspace(0, r, T_k)``, value for
    value, including numpy's float rounding)."""
    if epoch < 0:
        raise ValueError(f'epoch must be >= 0, got {epoch}')
    if T_k == 1 and epoch == 0:
        return 0.0  # np.linspace(0, r, 1) == [0.]
    if T_k <= 0 or epoch >= T_k - 1:
        return float(drop_rate)
    return float(epoch * (drop_rate / (T_k - 1)))
