"""Anti-Collapse loss (AntiCo, Jiang et al., arXiv 2407.03106) and the coding rate it is built on.

Notation (the paper's, after MCR^2, Yu et al. 2020): ``n`` vectors of dimension ``d`` stacked as
the rows of ``Z`` (``n x d``); the coding rate

    R(Z) = 1/2 * log det(I_d + gamma1 * s * Z^T Z),    s = d / (n * eps)            (MCR^2 eq. 2)

is the number of nats needed to code the vectors up to a distortion ``eps``; it is large when
the vectors spread over many directions and small when they collapse. The anti-collapse loss is

    L_AC = exp(-gamma2 * R),                                                           (AntiCo)

in (0, 1], over one of three sets of vectors (``mode``):

- ``'pair'``: the batch embeddings ``Z`` (``B x D``); the only mode whose L_AC sends gradients
  to the embeddings.
- ``'batch_proxy'`` (the paper's runs): the L2-normalised proxies of the classes present in the
  batch (``C_b x D``).
- ``'all_proxy'``: all ``C`` normalised proxies.

For the proxy modes the official code evaluates the *Gram form*
``1/2 log det(I_n + gamma1 * s' * Z Z^T)`` with ``s' = n / (d * eps)``: the scale factor swaps
``n`` and ``d`` relative to MCR^2. ``scale='official'`` (the default) keeps that factor for
parity with the published numbers; ``scale='standard'`` uses MCR^2's ``d / (n eps)``. By
Sylvester's determinant identity ``det(I_n + s Z Z^T) = det(I_d + s Z^T Z)`` for any ``s``, so we
always factor the smaller of the two matrices (the official code builds the ``n x n`` matrix,
e.g. 11,318 x 11,318 for all SOP proxies); the value is the same.

The log-determinant is computed in float32 (or float64 when the input is) outside autocast:
``logdet`` is not safe in half precision.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..registry import MODELS

MODES = ('pair', 'batch_proxy', 'all_proxy')
SCALES = ('official', 'standard')


def coding_rate(z: torch.Tensor, eps: float = 0.5, gamma1: float = 1.0,
                scale: float | None = None) -> torch.Tensor:
    """``R(Z) = 1/2 log det(I + gamma1 * scale * Z^T Z)`` of the rows of ``z`` (``n x d``).

    Args:
        z: ``(n, d)`` vectors as rows.
        eps: Distortion ``eps`` of MCR^2 (the official code's ``antico_eps``, 0.5).
        gamma1: The official ``antico_gam1`` (1).
        scale: ``s``; ``None`` gives MCR^2's ``d / (n * eps)``.

    Returns:
        A scalar tensor, in nats. Computed on the ``min(n, d)``-sized matrix (Sylvester).
    """
    if z.dim() != 2 or z.shape[0] == 0:
        raise ValueError(f'coding_rate expects a non-empty (n, d) matrix, got {tuple(z.shape)}')
    n, d = z.shape
    if scale is None:
        scale = d / (n * eps)
    dtype = torch.float64 if z.dtype == torch.float64 else torch.float32
    with torch.autocast(device_type=z.device.type, enabled=False):
        z = z.to(dtype)
        gram = z @ z.T if n <= d else z.T @ z
        eye = torch.eye(gram.shape[0], dtype=dtype, device=z.device)
        return 0.5 * torch.logdet(eye + (gamma1 * scale) * gram)


@MODELS.register_module()
class AntiCoLoss(nn.Module):
    """``loss_weight * exp(-gamma2 * R)`` over the batch embeddings or the proxies.

    Args:
        mode: ``'pair'`` | ``'batch_proxy'`` | ``'all_proxy'`` (see the module docstring).
        eps: MCR^2 distortion (official default 0.5).
        gamma1: Factor inside the log det (official 1).
        gamma2: Factor of ``R`` in the exponent (official 1).
        scale: ``'official'`` (the swapped ``n / (d eps)`` of the proxy modes' Gram form) or
            ``'standard'`` (MCR^2's ``d / (n eps)``). The ``'pair'`` mode uses the standard factor
            in both cases, as the official code does.
        loss_weight: ``w_ac`` (official 1).
        loss_name: Key suffix in the head's loss dict (``loss_<name>``).

    Call (the calling convention of ``cvshared.retrieval.losses``): ``loss(embeddings (B, D),
    labels (B,), proxies (C, D) or None)``. The proxy modes need the head's proxies
    (``requires_proxies`` is then True); ``'pair'`` ignores them. The last coding rate is kept
    in ``self.last_coding_rate`` (a detached scalar) for logging.
    """

    def __init__(self, mode: str = 'batch_proxy', eps: float = 0.5, gamma1: float = 1.0,
                 gamma2: float = 1.0, scale: str = 'official', loss_weight: float = 1.0,
                 loss_name: str = 'anti_collapse'):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f'AntiCoLoss mode must be one of {MODES}, not {mode!r}')
        if scale not in SCALES:
            raise ValueError(f'AntiCoLoss scale must be one of {SCALES}, not {scale!r}')
        if eps <= 0:
            raise ValueError(f'AntiCoLoss eps must be > 0, got {eps}')
        self.mode, self.eps, self.gamma1, self.gamma2 = mode, eps, gamma1, gamma2
        self.scale, self.loss_weight, self.loss_name = scale, float(loss_weight), loss_name
        self.requires_proxies = mode != 'pair'
        self.last_coding_rate = None

    def vectors(self, embeddings: torch.Tensor, labels: torch.Tensor,
                proxies: torch.Tensor | None) -> torch.Tensor:
        """The rows whose coding rate the mode maximises."""
        if self.mode == 'pair':
            return embeddings
        if proxies is None:
            raise ValueError(f"AntiCoLoss(mode={self.mode!r}) needs the proxies: use it in "
                             "a head that owns proxies, or mode='pair'")
        if self.mode == 'batch_proxy':
            labels = torch.as_tensor(labels, device=proxies.device).long().view(-1)
            if labels.numel() and (labels.min() < 0 or labels.max() >= proxies.shape[0]):
                raise ValueError(f'labels must lie in [0, {proxies.shape[0]}) (one proxy per '
                                 f'class), got min {int(labels.min())}, max {int(labels.max())}')
            proxies = proxies[torch.unique(labels)]
        return F.normalize(proxies, dim=-1)

    def coding_rate(self, embeddings, labels, proxies=None) -> torch.Tensor:
        """``R`` of the mode's vectors, with the mode's scale factor."""
        z = self.vectors(embeddings, labels, proxies)
        if z.dim() != 2:
            raise ValueError(f'AntiCoLoss({self.mode!r}) expects (n, d) vectors, got '
                             f'{tuple(z.shape)}')
        n, d = z.shape
        swapped = self.mode != 'pair' and self.scale == 'official'
        scale = n / (d * self.eps) if swapped else d / (n * self.eps)
        return coding_rate(z, eps=self.eps, gamma1=self.gamma1, scale=scale)

    def extra_repr(self) -> str:
        return (f'mode={self.mode!r}, eps={self.eps}, gamma1={self.gamma1}, gamma2={self.gamma2}, '
                f'scale={self.scale!r}, loss_weight={self.loss_weight}')

    def forward(self, embeddings, labels, proxies=None) -> torch.Tensor:
        rate = self.coding_rate(embeddings, labels, proxies)
        self.last_coding_rate = rate.detach()
        dtype = (embeddings if self.mode == 'pair' else proxies).dtype
        return self.loss_weight * torch.exp(-self.gamma2 * rate).to(dtype)
