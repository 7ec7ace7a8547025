"""Differentiable top-K selection by perturbed maximum (perturbed optimisers).

Notation (Berthet et al., "Learning with Differentiable Perturbed Optimizers", NeurIPS 2020;
Cordonnier et al., "Differentiable Patch Selection for Image Recognition", CVPR 2021; used by
STTS, Wang et al. ECCV 2022, and TW-BERT):

* ``x``: scores of shape ``(B, d)``, one row per sample, ``d`` candidates (frames, anchors, ...).
* ``Y(x)``: the hard top-K indicator of shape ``(K, d)``: row ``k`` is the one-hot vector of the
  ``k``-th selected index, the selected indices being **sorted ascending** (so temporal order
  is kept when the candidates are frames).
* The smoothed indicator is ``Y_sigma(x) = E_Z[Y(x + sigma Z)]`` with ``Z ~ N(0, I_d)``; it is
  estimated with ``n`` Monte-Carlo samples (forward of :func:`perturbed_topk`).
* Its Jacobian has the closed form (Berthet et al., Prop. 3.1, Gaussian noise)::

      dY_sigma[k, d] / dx[e] = E_Z[ Y(x + sigma Z)[k, d] Z[e] ] / sigma            (full)

  estimated with the same ``n`` samples. ``grad='full'`` back-propagates this estimator:
  ``dL/dx[e] = 1/(n sigma) sum_n sum_{k,d} g[k, d] Y_n[k, d] Z_n[e]``.
* The STTS code keeps only the terms with ``d == e``::

      dL/dx[d] = 1/(n sigma) sum_n sum_k g[k, d] Y_n[k, d] Z_n[d]                   (diag)

  which is ``grad='diag'`` here (kept for fidelity to STTS; it is not the gradient of
  ``Y_sigma``; see ``shared/tests/ops/test_topk.py`` for the analytic d = 2 check).

Defaults (the ONE place they are set; the STTS selectors and backbones take theirs from here,
and ``shared/tests/ops/test_topk.py`` / ``packages/stts/tests/test_selection.py`` fail if any
layer drifts from them): ``DEFAULT_GRAD = 'diag'`` (the only estimator of the official STTS
code), ``DEFAULT_SIGMA = 0.05`` (official ``PerturbedTopKFunction`` default, PySlowFast
``MVIT.SIGMA`` default and VideoSwin ``SwinTransformer3D(sigma=0.05)``; the STTS MViT configs
set 0.1 and decay it), ``DEFAULT_NUM_SAMPLES = 500`` (official ``PatchNet(num_samples=500)``, the
value every STTS selector passes; the bare official function's own default is 1000, never used
by STTS).

At evaluation the hard top-K (sorted indices) is used; :func:`gather_by_indices` and
:func:`gather_by_indicator` turn indices / soft indicators into selected tokens.

Implementation: instead of materialising the ``(B, n, K, d)`` one-hot tensor, the forward counts
selections with one ``bincount`` and the backward uses gathers of the sampled indices, so the time
and memory are ``O(B n (K + d))`` rather than ``O(B n K d)``.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = [
    'DEFAULT_GRAD', 'DEFAULT_NUM_SAMPLES', 'DEFAULT_SIGMA', 'PerturbedTopK',
    'PerturbedTopKFunction', 'gather_by_indicator', 'gather_by_indices', 'hard_topk_indicator',
    'hard_topk_indices', 'linear_sigma_decay', 'perturbed_topk',
]

_GRAD_MODES = ('full', 'diag')
DEFAULT_GRAD = 'diag'
DEFAULT_SIGMA = 0.05
DEFAULT_NUM_SAMPLES = 500


def hard_topk_indices(x: Tensor, k: int) -> Tensor:
    """Indices of the ``k`` largest entries of each row of ``x`` (B, d), sorted ascending.

    Returns a ``(B, k)`` int64 tensor.
    """
    _check_scores(x, k)
    return torch.topk(x, k=k, dim=-1, sorted=False).indices.sort(dim=-1).values


def hard_topk_indicator(x: Tensor, k: int) -> Tensor:
    """One-hot indicator ``(B, k, d)`` of the sorted hard top-``k`` of ``x`` (B, d)."""
    idx = hard_topk_indices(x, k)
    return torch.nn.functional.one_hot(idx, x.shape[-1]).to(x.dtype)


def _check_scores(x: Tensor, k: int) -> None:
    if x.dim() != 2:
        raise ValueError(f'top-K expects scores of shape (B, d); got {tuple(x.shape)}. '
                         'Flatten leading dimensions into B first.')
    if not 1 <= k <= x.shape[-1]:
        raise ValueError(f'top-K needs 1 <= k <= d; got k={k}, d={x.shape[-1]}.')


class PerturbedTopKFunction(torch.autograd.Function):
    """Autograd function behind :func:`perturbed_topk` (see the module docstring)."""

    @staticmethod
    def forward(ctx, x: Tensor, k: int, num_samples: int, sigma: float, grad: str,
                generator: torch.Generator | None) -> Tensor:
        b, d = x.shape
        n = num_samples
        # Z ~ N(0, 1), drawn on the CPU generator as in the reference code (so a fixed
        # ``torch.manual_seed`` gives the same samples), then moved to x's device.
        noise = torch.randn((b, n, d), generator=generator, dtype=x.dtype).to(x.device)
        perturbed = x.unsqueeze(1) + noise * sigma  # (b, n, d)
        if k == 1:  # one index: no ordering needed, argmax is cheaper than topk
            idx = perturbed.argmax(dim=-1, keepdim=True)
        else:
            idx = torch.topk(perturbed, k=k, dim=-1, sorted=False).indices.sort(dim=-1).values
        del perturbed  # (b, n, k) sorted sample indices from here on

        # Y_sigma[b, kk, dd] = #{n : idx[b, n, kk] == dd} / n, counted with one bincount over
        # the flat position b * (k d) + kk * d + dd.
        offset = (torch.arange(b, device=x.device) * (k * d)).view(b, 1, 1) \
            + (torch.arange(k, device=x.device) * d).view(1, 1, k)
        flat = (idx + offset).reshape(-1)
        counts = torch.bincount(flat, minlength=b * k * d)
        indicator = counts.view(b, k, d).to(x.dtype) / n

        ctx.sigma = sigma
        ctx.grad = grad
        ctx.shape = (b, n, k, d)
        if ctx.needs_input_grad[0] and sigma > 0:
            if grad == 'diag':
                # J[b, kk, dd] = 1/(n sigma) sum_n [idx[b,n,kk] == dd] Z[b, n, dd]: the diagonal
                # Jacobian is small (B, K, d), so it is formed now and the samples are freed.
                z_sel = torch.gather(noise, 2, idx)  # Z[b, n, idx[b, n, kk]]
                jac = torch.zeros(b * k * d, dtype=x.dtype, device=x.device)
                jac.index_add_(0, flat, z_sel.reshape(-1))
                ctx.save_for_backward(jac.view(b, k, d) / (n * sigma))
            else:
                ctx.save_for_backward(idx, noise)
        return indicator

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        none = (None, ) * 5
        if ctx.sigma <= 0 or not ctx.needs_input_grad[0]:
            b, _, _, d = ctx.shape
            return (grad_output.new_zeros(b, d), ) + none
        if ctx.grad == 'diag':
            (jac, ) = ctx.saved_tensors
            return (grad_output * jac).sum(dim=1), *none
        idx, noise = ctx.saved_tensors
        b, n, k, d = ctx.shape
        # w[b, n] = sum_kk g[b, kk, idx[b, n, kk]];  dL/dx[b, e] = sum_n w[b, n] Z[b, n, e] / (n s)
        g_sel = torch.gather(grad_output.unsqueeze(1).expand(b, n, k, d), 3,
                             idx.unsqueeze(-1)).squeeze(-1)
        w = g_sel.sum(dim=2)
        grad_x = torch.bmm(w.unsqueeze(1), noise).squeeze(1) / (n * ctx.sigma)
        return (grad_x, ) + none


def perturbed_topk(x: Tensor, k: int, num_samples: int = DEFAULT_NUM_SAMPLES,
                   sigma: float = DEFAULT_SIGMA, grad: str = DEFAULT_GRAD,
                   generator: torch.Generator | None = None) -> Tensor:
    """Smoothed top-K indicator ``Y_sigma(x)`` of shape ``(B, k, d)`` for scores ``x`` (B, d).

    Args:
        x: Scores ``(B, d)``.
        k: Number of selected entries per row.
        num_samples: Monte-Carlo samples ``n`` (STTS uses 500 in its selector networks).
        sigma: Noise scale; ``sigma == 0`` gives the hard top-K indicator and a zero gradient
            (as the STTS code does at the end of its sigma schedule).
        grad: ``'diag'`` (default) for the diagonal-only estimator of the STTS code, ``'full'``
            for the perturbed-optimiser Jacobian (Berthet et al. 2020).
        generator: Optional CPU generator for the noise; by default the global RNG.

    Rows ``k`` of the output each sum to 1, and every entry is a selection frequency in [0, 1].
    """
    _check_scores(x, k)
    if grad not in _GRAD_MODES:
        raise ValueError(f"grad must be one of {_GRAD_MODES}; got {grad!r}.")
    if num_samples < 1:
        raise ValueError(f'num_samples must be >= 1; got {num_samples}.')
    if sigma < 0:
        raise ValueError(f'sigma must be >= 0; got {sigma}.')
    return PerturbedTopKFunction.apply(x, k, num_samples, float(sigma), grad, generator)


class PerturbedTopK(nn.Module):
    """Module form: perturbed top-K indicator in training mode, hard indicator in eval mode."""

    def __init__(self, k: int, num_samples: int = DEFAULT_NUM_SAMPLES,
                 sigma: float = DEFAULT_SIGMA, grad: str = DEFAULT_GRAD):
        super().__init__()
        if grad not in _GRAD_MODES:
            raise ValueError(f"grad must be one of {_GRAD_MODES}; got {grad!r}.")
        self.k, self.num_samples, self.sigma, self.grad = k, num_samples, sigma, grad

    def forward(self, x: Tensor, sigma: float | None = None) -> Tensor:
        if not self.training:
            return hard_topk_indicator(x, self.k)
        return perturbed_topk(x, self.k, self.num_samples,
                              self.sigma if sigma is None else sigma, self.grad)

    def extra_repr(self) -> str:
        return f'k={self.k}, num_samples={self.num_samples}, sigma={self.sigma}, grad={self.grad}'


def gather_by_indicator(x: Tensor, indicator: Tensor) -> Tensor:
    """Soft selection ``out[b, k] = sum_d indicator[b, k, d] x[b, d]``.

    Args:
        x: Candidates ``(B, d, ...)`` (any trailing shape, e.g. tokens x channels).
        indicator: ``(B, k, d)`` from :func:`perturbed_topk` or :func:`hard_topk_indicator`.
    Returns ``(B, k, ...)``. With a one-hot indicator it equals :func:`gather_by_indices`.
    """
    b, d = x.shape[:2]
    if indicator.shape[0] != b or indicator.shape[2] != d:
        raise ValueError(f'indicator {tuple(indicator.shape)} does not match candidates '
                         f'{tuple(x.shape)}: expected (B={b}, k, d={d}).')
    out = torch.bmm(indicator.to(x.dtype), x.reshape(b, d, -1))
    return out.view(b, indicator.shape[1], *x.shape[2:])


def gather_by_indices(x: Tensor, indices: Tensor) -> Tensor:
    """Hard selection ``out[b, k] = x[b, indices[b, k]]``; ``x`` (B, d, ...), ``indices`` (B, k)."""
    b = x.shape[0]
    if indices.dim() != 2 or indices.shape[0] != b:
        raise ValueError(f'indices must be (B={b}, k); got {tuple(indices.shape)}.')
    flat = x.reshape(b, x.shape[1], -1)
    out = torch.gather(flat, 1, indices.unsqueeze(-1).expand(-1, -1, flat.shape[-1]))
    return out.view(b, indices.shape[1], *x.shape[2:])


def linear_sigma_decay(sigma_max: float, cur_step: int, total_steps: int) -> float:
    """STTS sigma schedule: ``sigma = sigma_max (1 - cur_step / total_steps)``, floored at 0."""
    if total_steps <= 0:
        raise ValueError(f'total_steps must be positive; got {total_steps}.')
    return max(sigma_max * (1.0 - cur_step / total_steps), 0.0)
