"""Deep-metric-learning losses with one calling convention, registered in mmengine's root
``MODELS`` (so every scope, ``mmpretrain`` included, builds them by name).

Every loss here is an ``nn.Module`` called as::

    loss(embeddings, labels, proxies=None) -> scalar tensor (already multiplied by loss_weight)

* ``embeddings``: ``(B, D)`` float, the model's output (L2-normalised or not; a loss that needs
  unit vectors normalises itself).
* ``labels``: ``(B,)`` int64 class indices ``0 .. C-1`` of the *training split*.
* ``proxies``: ``(C, D)`` learnable proxies, owned by
  :class:`~cvshared.retrieval.MetricLearningHead` and passed to the losses whose class
  attribute ``requires_proxies`` is ``True``; the head shares one proxy tensor between all
  its losses (Proxy Anchor + AntiCo's ``batch_proxy`` term use the same proxies, as the
  AntiCo code does).

A loss has ``loss_name`` (the key ``loss_<name>`` in the head's loss dict) and ``loss_weight``.
Composing losses is the head's job: ``MetricLearningHead(loss=[dict(type='ProxyAnchorLoss'),
dict(type='AntiCoLoss', loss_weight=1.0)])`` returns one key per loss and mmengine sums them.

``ProxyAnchorLoss`` is Kim et al., CVPR 2020, eq. (4) (card 6 of
``shared/papers/anomaly-and-metric-learning.md``)::

    S = normalize(X) normalize(P)^T                      (B, C) cosine similarities
    L = 1/|P+| sum_{p in P+} log(1 + sum_{i: y_i = p} exp(-alpha (S_ip - delta)))
      + 1/C    sum_{p = 1..C} log(1 + sum_{i: y_i != p} exp( alpha (S_ip + delta)))

with ``P+`` the proxies with at least one positive in the batch, alpha 32, delta 0.1. Each
``log(1 + sum exp)`` is evaluated as ``m + log(exp(-m) + sum exp(z - m))`` with
``m = max(0, max z)`` (log-sum-exp with a zero logit: stable for alpha 64 / fp16 inputs, where
the official ``torch.exp`` overflows); a proxy with no positive (or no negative) contributes
log 1 = 0. The positive term touches only the B entries ``(i, y_i)`` (summed per class with
``index_add``), the negative term masks them out of the ``(B, C)`` matrix out of place; no
one-hot matrix is built. Equal to ``pytorch_metric_learning.losses.ProxyAnchorLoss
(margin=delta, alpha=alpha)`` with the proxies copied (value and gradients;
``shared/tests/retrieval/test_losses.py``).

``PMLLoss`` wraps any ``pytorch_metric_learning.losses`` class (e.g. ``MultiSimilarityLoss``)
and optionally a miner, so pair-based losses plug into the same head.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import MODELS

__all__ = ['ProxyAnchorLoss', 'PMLLoss', 'masked_log1p_sum_exp', 'check_labels']


def check_labels(labels: torch.Tensor, num_classes: int, where: str) -> None:
    """Raise ``ValueError`` if ``labels`` are not int class indices in ``[0, num_classes)``."""
    if labels.dtype in (torch.float16, torch.float32, torch.float64, torch.bfloat16):
        raise ValueError(f'{where}: labels must be integer class indices, got {labels.dtype}')
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(
            f'{where}: labels must lie in [0, {num_classes}) (the number of proxies = '
            f'num_classes of the training split), got min {int(labels.min())} max '
            f'{int(labels.max())}; set the head\'s num_classes to the number of training classes')


def masked_log1p_sum_exp(logits: torch.Tensor, mask: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """``log(1 + sum_{mask} exp(logits))`` along ``dim``, stabilised (log-sum-exp with a zero
    logit); 0 where the mask is empty. Gradients of masked-out entries are exactly 0."""
    neg_inf = torch.finfo(logits.dtype).min
    masked = torch.where(mask, logits, torch.full_like(logits, neg_inf))
    shape = list(masked.shape)
    shape[dim] = 1
    zero = torch.zeros(shape, dtype=logits.dtype, device=logits.device)
    return torch.logsumexp(torch.cat([zero, masked], dim=dim), dim=dim)


def _log1p_sum_exp_by_group(z: torch.Tensor, group: torch.Tensor, num_groups: int):
    """``log(1 + sum_{i in g} exp(z_i))`` for every group ``g`` of ``group`` (0 .. G-1),
    shifted by ``max(0, max_{i in g} z_i)`` (detached: the value does not depend on it)."""
    shift = torch.zeros(num_groups, dtype=z.dtype, device=z.device).scatter_reduce(
        0, group, z.detach(), reduce='amax', include_self=True)
    total = torch.zeros(num_groups, dtype=z.dtype, device=z.device).index_add(
        0, group, torch.exp(z - shift[group]))
    return shift + torch.log(torch.exp(-shift) + total)


@MODELS.register_module()
class ProxyAnchorLoss(nn.Module):
    """Proxy Anchor loss (Kim et al., CVPR 2020); formula in the module docstring.

    Args:
        alpha: Scale (32 in the paper; AntiCo's alignment term uses 64).
        delta: Margin (0.1).
        loss_weight: Multiplies the loss.
        loss_name: Key suffix in the head's loss dict (``loss_<name>``).

    Call: ``loss(embeddings (B, D), labels (B,), proxies (C, D))``. The number of classes is
    ``proxies.shape[0]``.
    """

    requires_proxies = True

    def __init__(self, alpha: float = 32.0, delta: float = 0.1, loss_weight: float = 1.0,
                 loss_name: str = 'proxy_anchor'):
        super().__init__()
        self.alpha = float(alpha)
        self.delta = float(delta)
        self.loss_weight = float(loss_weight)
        self.loss_name = loss_name

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor,
                proxies: torch.Tensor | None = None) -> torch.Tensor:
        if proxies is None:
            raise ValueError('ProxyAnchorLoss needs proxies: use it inside MetricLearningHead '
                             '(which owns them) or pass proxies=(C, D) tensor')
        if embeddings.ndim != 2 or proxies.ndim != 2 or embeddings.shape[1] != proxies.shape[1]:
            raise ValueError(f'ProxyAnchorLoss: embeddings (B, D) and proxies (C, D) must share D, '
                             f'got {tuple(embeddings.shape)} and {tuple(proxies.shape)}')
        num_classes = proxies.shape[0]
        labels = labels.reshape(-1).long()
        check_labels(labels, num_classes, 'ProxyAnchorLoss')
        cos = F.normalize(embeddings, dim=1) @ F.normalize(proxies, dim=1).t()  # (B, C)
        rows = torch.arange(labels.numel(), device=labels.device)
        # positive term: only the B entries (i, y_i) take part, summed per present class
        classes, inverse = torch.unique(labels, return_inverse=True)
        z_pos = -self.alpha * (cos[rows, labels] - self.delta)                  # (B,)
        pos_term = _log1p_sum_exp_by_group(z_pos, inverse, classes.numel())
        # negative term: every (i, c) with y_i != c; the positives are set to -inf (out of
        # place), the shift is max(0, column max) as in log-sum-exp with a zero logit
        z_neg = (cos * self.alpha + self.alpha * self.delta).index_put(
            (rows, labels), torch.full_like(z_pos, float('-inf')))
        shift = z_neg.detach().amax(dim=0).clamp_min(0)                           # (C,)
        neg_term = shift + torch.log(torch.exp(-shift) + torch.exp(z_neg - shift).sum(dim=0))
        loss = pos_term.sum() / classes.numel() + neg_term.sum() / num_classes
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return f'alpha={self.alpha}, delta={self.delta}, loss_weight={self.loss_weight}'


@MODELS.register_module()
class PMLLoss(nn.Module):
    """Any ``pytorch_metric_learning.losses.<loss>`` (and optionally a miner) in the head's
    calling convention.

    Args:
        loss: Class name in ``pytorch_metric_learning.losses`` (e.g. ``'MultiSimilarityLoss'``).
        loss_cfg: Keyword arguments of that class (e.g. ``dict(alpha=2, beta=50, base=0.5)``).
        miner: Optional class name in ``pytorch_metric_learning.miners`` (e.g.
            ``'MultiSimilarityMiner'``), ``miner_cfg`` its arguments.
        loss_weight, loss_name: as for :class:`ProxyAnchorLoss` (name defaults to the class
            name in snake case).

    PML losses that own proxies (``ProxyAnchorLoss``, ``ProxyNCALoss``, ...) keep them inside
    this module (parameter names contain ``proxies``, so ``paramwise_cfg.custom_keys`` still
    matches); the head's shared proxies are not passed to a PML loss.
    """

    requires_proxies = False

    def __init__(self, loss: str, loss_cfg: dict | None = None, miner: str | None = None,
                 miner_cfg: dict | None = None, loss_weight: float = 1.0,
                 loss_name: str | None = None):
        super().__init__()
        from pytorch_metric_learning import losses as pml_losses
        from pytorch_metric_learning import miners as pml_miners
        if not hasattr(pml_losses, loss):
            raise ValueError(f'PMLLoss: pytorch_metric_learning.losses has no {loss!r}')
        self.loss = getattr(pml_losses, loss)(**(loss_cfg or {}))
        if miner is not None and not hasattr(pml_miners, miner):
            raise ValueError(f'PMLLoss: pytorch_metric_learning.miners has no {miner!r}')
        self.miner = getattr(pml_miners, miner)(**(miner_cfg or {})) if miner else None
        self.loss_weight = float(loss_weight)
        self.loss_name = loss_name or ''.join(
            '_' + c.lower() if c.isupper() else c for c in loss).lstrip('_').replace('_loss', '')

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor,
                proxies: torch.Tensor | None = None) -> torch.Tensor:
        labels = labels.reshape(-1).long()
        indices = self.miner(embeddings, labels) if self.miner is not None else None
        return self.loss_weight * self.loss(embeddings, labels, indices)
