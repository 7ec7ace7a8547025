"""The Decoupled / Improved KL divergence losses (Cui et al., NeurIPS 2024, arXiv 2305.13948).

Notation (the card, shared/papers/anomaly-and-metric-learning.md section 8): ``o_m`` are the
"reference" logits (teacher in KD, natural image in adversarial training), ``o_n`` the
logits being pulled (student, adversarial image), both ``(B, C)``;
``Delta^m_jk = o_m,j - o_m,k`` and likewise ``Delta^n``.

* DKL (the paper's Theorem 1, Sec. 3): ``KL(s_m || s_n)`` has the gradients of
  ``1/4 sum_jk w_jk (Delta^m_jk - sg[Delta^n_jk])^2 - sg[s_m]^T log s_n`` with
  ``w = sg[s_m (x) s_m]``: a weighted MSE (wMSE) on logit differences, which moves ``o_m``,
  plus a soft-label cross-entropy (sCE), which moves ``o_n``.
* IKL (Sec. 4): (1) "breaking the asymmetry": no stop-gradient in the wMSE, so ``o_n`` gets
  the wMSE gradient too; (2) "global information" (GI): ``w_b = pi_{y_b} (x) pi_{y_b}``
  where ``pi_c`` is the class-wise mean prediction of the previous epoch
  (:class:`ClassPrior`).

The equation numbers of the paper could not be checked here (only the abstract is in the
reference corpus), so the docstrings cite sections and the official functions instead:
``DKLv1/KD-dkl/mdistiller/distillers/IKL_KD.py::dkl_loss`` and
``DKLv1/Adv-training-dkl/train_dkl_cifar10.py::dkl_loss`` (both O(B C^2); see
:func:`ikl_loss_naive`).

The implementation (:func:`ikl_loss`) uses the rank-1 structure of ``w_b = v_b (x) v_b``::

    sum_jk v_j v_k (u_j - u_k)^2 = 2 S sum_j v_j (u_j - ubar)^2,
    u = o_m - o_n,  S = sum_j v_j,  ubar = sum_j v_j u_j / S,

which is O(B C) in time and memory (the naive form holds a B x C x C tensor: 512M floats at
ImageNet's C = 1000, batch 512). The centred form avoids the cancellation of the equivalent
``2 S sum v u^2 - 2 (sum v u)^2``.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..registry import MODELS


def _check_logits(o_m: torch.Tensor, o_n: torch.Tensor) -> None:
    if o_m.dim() != 2 or o_m.shape != o_n.shape:
        raise ValueError(f'DKL/IKL need two (B, C) logit tensors of the same shape, got '
                         f'{tuple(o_m.shape)} and {tuple(o_n.shape)}')


def pair_weights_vector(o_m: torch.Tensor, class_prior: torch.Tensor | None = None,
                        labels: torch.Tensor | None = None,
                        weight_temperature: float = 1.0) -> torch.Tensor:
    """The vector ``v_b`` of the rank-1 pair weights ``w_b = v_b (x) v_b``, ``(B, C)``, detached.

    With ``class_prior`` (``(C, C)``, row ``c`` = the GI prior of class ``c``) and ``labels``:
    ``v_b = class_prior[y_b]`` (IKL with GI; official ``onehot @ prior``). Without:
    ``v_b = softmax(o_m,b / weight_temperature)`` (DKL; the official ``T2``, default 100 there).
    """
    if class_prior is not None:
        if labels is None:
            raise ValueError('GI weights need the ground-truth labels of the batch')
        return class_prior.detach().to(o_m.dtype)[labels]
    return F.softmax(o_m.detach() / weight_temperature, dim=1)


def wmse_rank1(o_m: torch.Tensor, o_n: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``1/4 sum_b sum_jk v_bj v_bk ((o_m - o_n)_bj - (o_m - o_n)_bk)^2 / B`` in O(B C)."""
    u = o_m - o_n
    s = v.sum(1, keepdim=True)
    ubar = (v * u).sum(1, keepdim=True) / s
    per_sample = 2 * s.squeeze(1) * (v * (u - ubar) ** 2).sum(1)
    return 0.25 * per_sample.sum() / o_m.shape[0]


def soft_ce(o_m: torch.Tensor, o_n: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """``-mean_b sum_k sg[softmax(o_m / T)]_k log_softmax(o_n / T)_k`` (the sCE part)."""
    target = F.softmax(o_m.detach() / temperature, dim=1)
    return -(target * F.log_softmax(o_n / temperature, dim=1)).sum(1).mean()


def ikl_loss(o_m: torch.Tensor, o_n: torch.Tensor, alpha: float = 1.0, beta: float = 1.0,
             temperature: float = 1.0, class_prior: torch.Tensor | None = None,
             labels: torch.Tensor | None = None, weight_temperature: float = 1.0,
             break_asymmetry: bool = True) -> torch.Tensor:
    """``beta * wMSE(o_m, o_n) + alpha * sCE(o_m, o_n)``, O(B C).

    Mirrors the official ``dkl_loss`` of ``IKL_KD.py`` (KD: ``o_m`` = teacher, ``o_n`` =
    student, sCE at ``temperature``) and of ``train_dkl_cifar10.py`` (AT: ``o_m`` = natural,
    ``o_n`` = adversarial, ``temperature`` 1, GI weights). The wMSE is on the raw logits (no
    temperature), as in both official functions.

    Args:
        o_m, o_n: ``(B, C)`` logits.
        alpha, beta: Weights of the sCE and of the wMSE.
        temperature: Temperature of the sCE.
        class_prior, labels: The GI prior ``(C, C)`` and the labels ``(B,)``; without them
            the pair weights are ``softmax(o_m / weight_temperature)`` outer itself.
        break_asymmetry: True = IKL (gradients of the wMSE reach both ``o_m`` and ``o_n``);
            False = DKL (``o_n`` is detached in the wMSE, the KL's own asymmetry).
    """
    _check_logits(o_m, o_n)
    v = pair_weights_vector(o_m, class_prior, labels, weight_temperature)
    mse = wmse_rank1(o_m, o_n if break_asymmetry else o_n.detach(), v)
    return beta * mse + alpha * soft_ce(o_m, o_n, temperature)


def ikl_loss_naive(o_m: torch.Tensor, o_n: torch.Tensor, alpha: float = 1.0,
                   beta: float = 1.0, temperature: float = 1.0,
                   class_prior: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                   weight_temperature: float = 1.0,
                   break_asymmetry: bool = True) -> torch.Tensor:
    """The same loss with the explicit ``B x C x C`` tensors of differences (tests, benchmark)."""
    _check_logits(o_m, o_n)
    v = pair_weights_vector(o_m, class_prior, labels, weight_temperature)
    w = v[:, :, None] * v[:, None, :]
    o_n_mse = o_n if break_asymmetry else o_n.detach()
    delta_m = o_m[:, :, None] - o_m[:, None, :]
    delta_n = o_n_mse[:, :, None] - o_n_mse[:, None, :]
    mse = 0.25 * (w * (delta_m - delta_n) ** 2).sum() / o_m.shape[0]
    return beta * mse + alpha * soft_ce(o_m, o_n, temperature)


class ClassPrior(nn.Module):
    """The class-wise global information (GI) of IKL: ``pi_c`` = the mean of
    ``softmax(o_m / T)`` over the previous epoch's training samples of class ``c``.

    Official: ``mdistiller/engine/trainer.py::train_epoch`` (KD) and
    ``train_dkl_cifar10.py::train`` (AT): a ``C x C`` sum ``onehot^T @ softmax``, rows
    normalised at the end of the epoch; the first epoch uses ``1/C`` everywhere.
    A class absent from an epoch keeps its previous row (the official division gives NaN).

    Buffers: ``prior`` (used now), ``running`` (this epoch's sum).
    """

    def __init__(self, num_classes: int):
        super().__init__()
        if num_classes < 2:
            raise ValueError(f'ClassPrior needs num_classes >= 2, got {num_classes}')
        self.num_classes = num_classes
        self.register_buffer('prior', torch.full((num_classes, num_classes), 1 / num_classes))
        self.register_buffer('running', torch.zeros(num_classes, num_classes))

    @torch.no_grad()
    def update(self, labels: torch.Tensor, probs: torch.Tensor) -> None:
        """Add ``onehot(labels)^T @ probs`` (``probs`` ``(B, C)``, rows summing to 1)."""
        if probs.shape[1] != self.num_classes:
            raise ValueError(f'ClassPrior of {self.num_classes} classes got predictions of '
                             f'{probs.shape[1]}')
        self.running.index_add_(0, labels.to(self.running.device),
                                probs.detach().to(self.running))

    @torch.no_grad()
    def end_epoch(self) -> None:
        """Normalise the rows of the epoch's sum into ``prior``; reset the sum."""
        total = self.running.sum(1, keepdim=True)
        seen = total.squeeze(1) > 0
        self.prior[seen] = self.running[seen] / total[seen]
        self.running.zero_()


@MODELS.register_module()
class IKLLoss(nn.Module):
    """IKL / DKL as an mmpretrain loss module: ``loss_weight * ikl_loss(o_m, o_n, ...)``.

    Args:
        alpha, beta, temperature, weight_temperature, break_asymmetry: see :func:`ikl_loss`.
        use_gi: Whether the pair weights come from a :class:`ClassPrior` (passed to
            ``forward``; the owner accumulates it).
        loss_weight: Overall factor.
    """

    def __init__(self, alpha: float = 1.0, beta: float = 1.0, temperature: float = 1.0,
                 weight_temperature: float = 1.0, use_gi: bool = False,
                 break_asymmetry: bool = True, loss_weight: float = 1.0):
        super().__init__()
        if temperature <= 0 or weight_temperature <= 0:
            raise ValueError(f'IKLLoss temperatures must be > 0, got temperature={temperature}'
                             f', weight_temperature={weight_temperature}')
        self.alpha, self.beta, self.temperature = alpha, beta, temperature
        self.weight_temperature = weight_temperature
        self.use_gi, self.break_asymmetry = use_gi, break_asymmetry
        self.loss_weight = loss_weight

    def forward(self, o_m: torch.Tensor, o_n: torch.Tensor, labels: torch.Tensor | None = None,
                class_prior: torch.Tensor | None = None, alpha: float | None = None,
                beta: float | None = None) -> torch.Tensor:
        if self.use_gi and class_prior is None:
            raise ValueError('IKLLoss(use_gi=True) needs the class prior (ClassPrior.prior)')
        return self.loss_weight * ikl_loss(
            o_m, o_n, self.alpha if alpha is None else alpha,
            self.beta if beta is None else beta, self.temperature,
            class_prior if self.use_gi else None, labels, self.weight_temperature,
            self.break_asymmetry)
