"""UMIL's losses (``main_umil.py::mil_one_epoch`` / ``umil_one_epoch``, ``utils/cluster.py``).

Conventions: ``logits`` of one batch are ``[B, A, K, C]`` (videos, views (0 = weak, 1 =
strong), snippets, classes (0 = normal, 1 = abnormal)); ``labels`` are the video class
indices ``[B]`` (0 = normal, any other class = abnormal, as the official ``label_id > 0``).

Pairs follow the official ``PairEnum`` order: for ``n`` rows, pair ``r = i * n + j`` holds
``(x[j], x[i])`` (the first output is ``x.repeat(n, 1)``, the second repeats each row ``n``
times), all ``n * n`` ordered pairs, the diagonal included.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

#: The official ``BCE.eps`` (avoids ``log(0)``).
BCE_EPS = 1e-7

#: The default weights of the MIL stage's total (``main_umil.py`` arguments).
MIL_WEIGHTS = dict(mil=1.0, con=1.0, con_c=1.0, smooth=0.01, sparse=0.001, cluster=0.01)


def pair_enum(x: torch.Tensor, mask: torch.Tensor | None = None):
    """All ordered pairs of the rows of ``x [n, d]``: ``(x1, x2)``, each ``[n * n, d]``, with
    ``x1[i * n + j] = x[j]`` and ``x2[i * n + j] = x[i]``; ``mask [n * n]`` keeps some pairs."""
    if x.dim() != 2:
        raise ValueError(f'pair_enum needs a 2-D tensor [n, d], got shape {tuple(x.shape)}')
    n = x.size(0)
    x1 = x.repeat(n, 1)
    x2 = x.repeat_interleave(n, dim=0)
    if mask is not None:
        mask = mask.reshape(-1).bool()
        x1, x2 = x1[mask], x2[mask]
    return x1, x2


def pair_bce(prob1: torch.Tensor, prob2: torch.Tensor, simi: torch.Tensor,
             eps: float = BCE_EPS) -> torch.Tensor:
    """The official ``BCE``: ``P = <prob1, prob2>`` per pair; mean of ``-log(P + eps)`` where
    ``simi = 1`` and ``-log(1 - P + eps)`` where ``simi = -1`` (``simi = 0``: ``-log(eps)``,
    as officially; UMIL never produces 0). Not in place (the official multiplies in place)."""
    if not len(prob1) == len(prob2) == len(simi):
        raise ValueError(f'pair_bce: {len(prob1)}, {len(prob2)} and {len(simi)} pairs differ')
    p = (prob1 * prob2).sum(1)
    p = p * simi + simi.eq(-1).to(p.dtype)
    return -(p + eps).log().mean()


def cluster_targets(feat: torch.Tensor, threshold: float = 0.7) -> torch.Tensor:
    """``ClusterLoss`` 'cos' pair targets: +1 where ``cos(sg[f_i], sg[f_j]) > threshold``, else
    -1, over all ``n * n`` pairs in :func:`pair_enum` order (float ``[n * n]``)."""
    f = F.normalize(feat.detach(), dim=1)
    row, col = pair_enum(f)
    cos = (row * col).sum(1)
    target = torch.full_like(cos, -1.0)
    target[cos > threshold] = 1.0
    return target


def cluster_loss(feat: torch.Tensor, logits_weak: torch.Tensor, logits_strong: torch.Tensor,
                 threshold: float = 0.7, eps: float = BCE_EPS):
    """``ClusterLoss.compute_losses`` ('cos', no labelled part): targets from the detached
    weak-view features ``feat [n, D]``, ``P_ij = <softmax(weak_j), softmax(strong_i)>``.
    Returns ``(loss, target [n * n])``."""
    target = cluster_targets(feat, threshold)
    p1, _ = pair_enum(logits_weak.softmax(-1))
    _, p2 = pair_enum(logits_strong.softmax(-1))
    return pair_bce(p1, p2, target, eps), target


def compatibility_loss(logits_weak: torch.Tensor, logits_strong: torch.Tensor,
                       target: torch.Tensor, eps: float = BCE_EPS) -> torch.Tensor:
    """The UMIL step's compatibility loss: the same pair BCE with the anomaly head's
    weak/strong probabilities against the clustering's pair ``target``."""
    p1, _ = pair_enum(logits_weak.softmax(-1))
    _, p2 = pair_enum(logits_strong.softmax(-1))
    return pair_bce(p1, p2, target, eps)


def _check_logits(logits: torch.Tensor) -> None:
    if logits.dim() != 4:
        raise ValueError(f'logits must be [B, A, K, C] (videos, views, snippets, classes), '
                         f'got shape {tuple(logits.shape)}')


def mil_losses(logits: torch.Tensor, labels: torch.Tensor) -> dict:
    """``L_mil`` and ``L_mar`` per (video, view): the snippet of highest ``p_ano``; CE of its
    logits with the binary video label, and BCE of ``max_k p_ano - min_k p_ano``, both weighted
    by that snippet's max class probability (NOT detached, as officially), averaged."""
    _check_logits(logits)
    b, a, k, c = logits.shape
    flat = logits.reshape(b * a, k, c)
    scores = flat.softmax(-1)
    p_ano = scores[..., 1]
    max_ind = p_ano.argmax(-1)
    rows = torch.arange(b * a, device=logits.device)
    logits_video = flat[rows, max_ind]
    weight = scores[rows, max_ind].max(-1).values
    binary = (labels.reshape(b, 1) > 0).expand(b, a).reshape(-1)
    loss_mil = (F.cross_entropy(logits_video, binary.long(), reduction='none') * weight).mean()
    margin = p_ano.max(-1).values - p_ano.min(-1).values
    loss_mar = (F.binary_cross_entropy(margin, binary.to(margin.dtype), reduction='none')
                * weight).mean()
    return dict(loss_mil=loss_mil, loss_mar=loss_mar)


def consistency_loss(logits: torch.Tensor, threshold: float = 0.8) -> torch.Tensor:
    """FixMatch term: the weak view's argmax is the label of the strong view's logits where the
    weak max probability is ``>= threshold``; masked CE averaged over ALL snippets."""
    _check_logits(logits)
    c = logits.shape[-1]
    max_prob, pseudo = logits[:, 0].softmax(-1).max(-1)
    ce = F.cross_entropy(logits[:, 1].reshape(-1, c), pseudo.reshape(-1), reduction='none')
    return (ce * max_prob.reshape(-1).ge(threshold).to(ce.dtype).detach()).mean()


def smooth_sparse(p_ano: torch.Tensor):
    """``(L_smooth, L_sparse)`` on ``p_ano [B, A, K]``: ``sum_t (p_{t+1} - p_t)^2`` and
    ``sum_t p_t`` over the snippets, averaged over videos and views."""
    smooth = (p_ano[..., 1:] - p_ano[..., :-1]).pow(2).sum(-1).mean()
    return smooth, p_ano.sum(-1).mean()


def mil_stage_losses(logits: torch.Tensor, logits_cluster: torch.Tensor, feat: torch.Tensor,
                     labels: torch.Tensor, threshold: float = 0.8,
                     cluster_threshold: float = 0.8, cosine_threshold: float = 0.7,
                     w_cls: float = 0.0, weights: dict | None = None) -> dict:
    """Stage A (``mil_one_epoch``), weighted terms whose sum is the official total.

    Args:
        logits, logits_cluster: anomaly / cluster head logits ``[B, A, K, C]``.
        feat: video features ``[B, A, K, D]`` (only the weak view's, detached, are used).
        labels: video class indices ``[B]``.
    The cluster term runs on every weak snippet of the batch (the official MIL stage's mask is
    all False; its ``labels`` argument is unused), with the cluster logits WITH grad.
    """
    w = dict(MIL_WEIGHTS, **(weights or {}))
    out = mil_losses(logits, labels)
    out = {key: value * w['mil'] for key, value in out.items()}
    out['loss_con'] = consistency_loss(logits, threshold) * w['con']
    out['loss_con_c'] = consistency_loss(logits_cluster, cluster_threshold) * w['con_c']
    d = feat.shape[-1]
    c = logits_cluster.shape[-1]
    n = feat[:, 0].numel() // d
    if n > 2:
        loss, _ = cluster_loss(feat[:, 0].reshape(-1, d), logits_cluster[:, 0].reshape(-1, c),
                               logits_cluster[:, 1].reshape(-1, c), cosine_threshold)
    else:
        loss = logits.sum() * 0
    out['loss_clu'] = loss * w['cluster']
    scores = logits.softmax(-1) + w_cls * logits_cluster.softmax(-1)
    smooth, sparse = smooth_sparse(scores[..., 1])
    out['loss_smooth'] = smooth * w['smooth']
    out['loss_sparse'] = sparse * w['sparse']
    return out


def umil_step_losses(feat: torch.Tensor, logits: torch.Tensor,
                     logits_cluster_nograd: torch.Tensor, ambiguous: torch.Tensor,
                     cosine_threshold: float = 0.7, w_cluster: float = 1.0,
                     w_compat: float = 1.0) -> dict | None:
    """Stage C (``umil_one_epoch``) on the ambiguous snippets ``ambiguous [B, K]`` (bool).

    ``L_clu``: :func:`cluster_loss` with the cluster head on sg[v] (``y_cluster_all_nograd``)
    of the ambiguous weak/strong snippets; its pair targets ``S`` then drive the
    compatibility loss on the anomaly head's probabilities. ``None`` when there are not more
    than 2 ambiguous snippets (the official skips the batch).
    """
    if int(ambiguous.sum()) <= 2:
        return None
    d, c = feat.shape[-1], logits.shape[-1]
    m = ambiguous.bool()
    loss_clu, target = cluster_loss(feat[:, 0][m].reshape(-1, d),
                                    logits_cluster_nograd[:, 0][m].reshape(-1, c),
                                    logits_cluster_nograd[:, 1][m].reshape(-1, c),
                                    cosine_threshold)
    loss_compat = compatibility_loss(logits[:, 0][m].reshape(-1, c),
                                     logits[:, 1][m].reshape(-1, c), target)
    return dict(loss_clu=loss_clu * w_cluster, loss_compat=loss_compat * w_compat)
