"""Kernel soft-argmax: correlation volume -> displacement (flow) and confidence.

MotionSqueeze (Kwon et al., ECCV 2020, Sec. 3.2, "kernel soft-argmax", after Lee et al.
SFNet) turns the local correlation volume of a frame pair into a dense flow field.

Notation: ``corr[b, u, v, y, x]`` is the similarity of query pixel ``(y, x)`` of frame ``t``
with pixel ``(y + (u - r) d, x + (v - r) d)`` of frame ``t + 1`` (the convention of
:func:`cvshared.ops.correlation.local_correlation`), ``P = 2r + 1`` displacements per axis.
For every query pixel:

1. confidence ``s = max_{u,v} corr[u, v]`` (MotionSqueeze's ``topk`` with ``k = 1``);
2. ``(u*, v*) = argmax_{u,v} corr`` (no gradient flows through the argmax) and a Gaussian
   ``g[u, v] = exp(-((v - v*)^2 + (u - u*)^2) / (2 sigma^2))`` in displacement-grid units;
3. ``p = softmax_{u,v}(tau * g * corr)`` over the ``P*P`` displacements (temperature ``tau``);
4. marginals ``p_x(v) = sum_u p[u, v]``, ``p_y(u) = sum_v p[u, v]``;
5. ``flow_x = sum_v p_x(v) (v - r) d / (r d)``, ``flow_y = sum_u p_y(u) (u - r) d / (r d)``, i.e.
   the expected displacement normalised to ``[-1, 1]`` by the maximal displacement ``r d``
   (computed as ``sum_{u,v} p[u, v] (v - r) / r``, which is the same sum).

This is what the official ``ResNet.match_to_flow_soft`` + ``apply_gaussian_kernel`` compute
(arunos728/MotionSqueeze, ``resnet_TSM.py``; defaults ``sigma = 5``, ``tau = 100``, ``k = 1``);
the golden-tensor test checks it.  The official code receives ``relu(corr)``; the ReLU belongs
to the matching layer, so apply it before calling this op to reproduce MotionSqueeze.
Ties in the argmax go to the first index in ``u * P + v`` order (``torch.argmax``), as in the
official ``max(dim=1)``.
"""
from __future__ import annotations

import torch
from torch import Tensor

__all__ = ['argmax_gaussian_kernel', 'kernel_soft_argmax']


def _as_volume(corr: Tensor, patch_size: int | None) -> Tensor:
    """Accept ``(B, P, P, H, W)`` or ``(B, P*P, H, W)`` and return the former."""
    if corr.dim() == 5:
        if corr.shape[1] != corr.shape[2] or corr.shape[1] % 2 == 0:
            raise ValueError('expected a (B, P, P, H, W) volume with odd P, '
                             f'got {tuple(corr.shape)}')
        return corr
    if corr.dim() == 4:
        p = patch_size if patch_size is not None else round(corr.shape[1] ** 0.5)
        if p * p != corr.shape[1] or p % 2 == 0:
            raise ValueError(f'channel dim {corr.shape[1]} of corr is not P*P for an odd P '
                             f'(patch_size={patch_size!r})')
        return corr.view(corr.shape[0], p, p, *corr.shape[2:])
    raise ValueError(f'corr must be (B, P, P, H, W) or (B, P*P, H, W), got {tuple(corr.shape)}')


def _separable_gaussian(idx: Tensor, p: int, sigma: float, dtype,
                        pixel_major: bool = False) -> tuple[Tensor, Tensor]:
    """Row and column factors ``(B, P, HW)`` of the Gaussian around flat argmax ``idx``.

    ``pixel_major``: store them as ``(B, HW, P)`` in memory (returned as transposed views, same
    values), to match a volume whose displacements are the innermost dimension.
    """
    if pixel_major:
        g_u, g_v = _separable_gaussian(idx.transpose(1, 2), p, sigma, dtype)
        return g_u.transpose(1, 2), g_v.transpose(1, 2)
    u_star = torch.div(idx, p, rounding_mode='floor').to(dtype)  # (B, 1, HW)
    v_star = (idx % p).to(dtype)
    shape = (1, p, 1) if idx.shape[1] == 1 else (1, 1, p)
    grid = torch.arange(p, device=idx.device, dtype=dtype).view(shape)
    g_u = torch.exp(-(grid - u_star) ** 2 / (2 * sigma ** 2))
    g_v = torch.exp(-(grid - v_star) ** 2 / (2 * sigma ** 2))
    return g_u, g_v


def argmax_gaussian_kernel(corr: Tensor, sigma: float = 5.0) -> Tensor:
    """Gaussian weights centred on each pixel's argmax displacement (step 2 above).

    Evaluated as the product of a row and a column factor,
    ``exp(-(u - u*)^2 / 2 sigma^2) * exp(-(v - v*)^2 / 2 sigma^2)`` (``P`` times fewer ``exp``
    than the official 2-D formula; equal up to float rounding, ~1e-7 relative).

    Args:
        corr: ``(B, P, P, H, W)``.
    Returns:
        ``(B, P, P, H, W)`` weights in ``(0, 1]``, detached (constant w.r.t. ``corr``).
    """
    b, p, _, h, w = corr.shape
    with torch.no_grad():
        idx = corr.reshape(b, p * p, h * w).argmax(dim=1, keepdim=True)
        g_u, g_v = _separable_gaussian(idx, p, sigma, corr.dtype)
        return (g_u.unsqueeze(2) * g_v.unsqueeze(1)).view(b, p, p, h, w)


class _KernelSoftArgmax(torch.autograd.Function):
    """Steps 1-5 on ``flat`` ``(B, P*P, HW)`` with a hand-written backward.

    Saves the probabilities, the flow and the two factors of the (constant) kernel; the backward
    pass is ``d corr = kernel * p * (g - <g, p>)`` with ``g = table^T d flow`` and
    ``<g, p> = <d flow, flow>`` (no ``(B, P*P, HW)`` temporary), plus the confidence gradient at
    the argmax, computed in place without the zero-filled scatter buffers autograd would
    allocate for ``max``.  The kernel factors and the gradient follow the memory layout of the
    input (displacements innermost for a :func:`local_correlation` volume).
    """

    @staticmethod
    def forward(ctx, flat: Tensor, p: int, sigma: float, temperature: float, keep: bool):
        b, pp, n = flat.shape
        r = p // 2
        confidence, idx = flat.max(dim=1, keepdim=True)  # first maximum on ties, as official
        # A volume from local_correlation has the displacements innermost in memory; the kernel
        # factors and the gradient then get that layout too (mixed-layout broadcasts are slow).
        pixel_major = flat.stride(1) == 1 and n > 1
        g_u, g_v = _separable_gaussian(idx, p, sigma, flat.dtype, pixel_major)
        g_u = (g_u * temperature).unsqueeze(2)  # temperature folded into the constant kernel
        g_v = g_v.unsqueeze(1)
        # logits = corr * kernel, the (B, P, P, HW) kernel never materialised
        prob = (flat.view(b, p, p, n) * g_u).mul_(g_v).view(b, pp, n)
        # softmax over the displacements, in place: exp(z - max z) / sum exp(z - max z)
        if (temperature >= 0 and flat.device.type == 'cpu'
                and bool((confidence >= 0).all())):
            # max z = z at the arg-max = confidence * temperature, bit for bit: the kernel is
            # exactly 1 there and at most 1 elsewhere, and rounding is monotone (no extra pass)
            top = confidence * temperature
        else:
            top = prob.amax(dim=1, keepdim=True)
        prob.sub_(top).exp_()
        prob.div_(prob.sum(dim=1, keepdim=True))
        grid = (torch.arange(p, device=flat.device, dtype=flat.dtype) - r) / r
        table = torch.stack([grid.repeat(p), grid.repeat_interleave(p)])  # (2, P*P)
        flow = torch.bmm(table.expand(b, 2, pp), prob)  # (B, 2, HW): E[(v - r)/r], E[(u - r)/r]
        if keep:
            ctx.save_for_backward(prob, g_u, g_v, idx, table, flow)
        return flow, confidence

    @staticmethod
    def backward(ctx, grad_flow: Tensor, grad_conf: Tensor):
        prob, g_u, g_v, idx, table, flow = ctx.saved_tensors
        b, pp, n = prob.shape
        p = g_u.shape[1]
        if prob.stride(1) == 1 and n > 1:  # pixel-major probabilities: same-layout gradient
            grad = torch.bmm(grad_flow.transpose(1, 2), table.expand(b, 2, pp)).transpose(1, 2)
        else:
            grad = torch.bmm(table.t().expand(b, pp, 2), grad_flow.contiguous())  # d prob
        # <d prob, prob> = <table^T d flow, prob> = <d flow, flow>: no (B, P*P, HW) product
        dot = (grad_flow * flow).sum(dim=1, keepdim=True)
        grad.sub_(dot).mul_(prob)  # softmax backward
        grad.view(b, p, p, n).mul_(g_u).mul_(g_v)  # kernel product backward
        grad.scatter_add_(1, idx, grad_conf)
        return grad, None, None, None, None


def kernel_soft_argmax(corr: Tensor, sigma: float = 5.0, temperature: float = 100.0,
                       patch_size: int | None = None) -> tuple[Tensor, Tensor]:
    """Kernel soft-argmax flow and confidence (MotionSqueeze ``match_to_flow_soft`` with k = 1).

    The two expectations of step 5 are one matrix product of the ``(2, P*P)`` displacement table
    with the probabilities (a single pass, instead of two marginal sums and two weighted sums).
    The normalised flow does not depend on the patch dilation ``d`` (it cancels).

    Args:
        corr: ``(B, P, P, H, W)`` or ``(B, P*P, H, W)`` correlation volume.
        sigma: Gaussian width in displacement-grid units (paper: 5).
        temperature: softmax temperature ``tau`` (paper: 100, fixed in training and test).
        patch_size: ``P``, only needed to disambiguate a ``(B, P*P, H, W)`` input.

    Returns:
        ``flow`` ``(B, 2, H, W)`` with channels ``(flow_x, flow_y)`` in ``[-1, 1]`` (displacement
        / ``r``; the official channel order ``cat([flow_x, flow_y])``), and ``confidence``
        ``(B, 1, H, W)`` (max of ``corr`` over displacements).  Differentiable with respect to
        ``corr`` almost everywhere (the argmax location is a constant).
    """
    vol = _as_volume(corr, patch_size)
    b, p, _, h, w = vol.shape
    keep = torch.is_grad_enabled() and vol.requires_grad  # save tensors only for a backward
    flow, confidence = _KernelSoftArgmax.apply(vol.reshape(b, p * p, h * w), p, float(sigma),
                                               float(temperature), keep)
    return flow.view(b, 2, h, w), confidence.view(b, 1, h, w)
