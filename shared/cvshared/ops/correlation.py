"""Local correlation (cost volume) and spatio-temporal self-similarity (STSS).

Used by MotionSqueeze (Kwon et al., ECCV 2020) and SELFY (Kwon et al., ICCV 2021).

Notation
--------
``f1`` is the *query* feature map and ``f2`` the *target* map, both ``(B, C, H, W)``.
For a patch of ``P = 2r + 1`` displacements per axis (``patch_size``) and a patch dilation ``d``,
the local correlation is

.. math::

    \\mathrm{out}[b, u, v, y, x] = \\sum_c f_1[b, c, y, x] \\,
        f_2[b, c, y + (u - r) d, x + (v - r) d],   \\qquad u, v \\in \\{0, \\dots, P - 1\\},

with ``f2`` taken as zero outside the image.  Output shape: ``(B, P, P, H, W)``; index ``u``
is the vertical displacement (rows), ``v`` the horizontal one.  This is the convention of
``spatial_correlation_sampler.SpatialCorrelationSampler(kernel_size=1, patch_size=P, stride=1,
padding=0, dilation_patch=d)`` and of the naive fallback paths of the official SELFY and
MotionSqueeze code (``_corr_abs_to_rel``); the golden-tensor tests check both.  MotionSqueeze
views the output as ``(B, P*P, H*W)`` (displacement index ``u * P + v``).

Implementation
--------------
:func:`local_correlation` computes the volume for blocks of ``R`` query rows at a time: one
batched matrix product between the ``R*W`` query vectors of the block and the target rows that
the block can reach (``R + 2 r d`` rows, clipped to the image), followed by a single ``gather``
of the ``P*P`` entries of every query and a multiplication by the in-image mask.  Its memory is
``O(B * R * W * (R + 2rd) * W)`` per block instead of the ``O(B * (HW)^2)`` of the official
naive path, it is exact (the same dot products as a full ``bmm``) and has a hand-written backward
(:class:`_LocalCorrelation`: per block, the output gradient is scattered into the block's
dot-product layout and multiplied by the two inputs; only the inputs are saved).
:func:`local_correlation_reference` is a plain shift-and-multiply loop kept as the test oracle.
"""
from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'l2_normalize',
    'local_correlation',
    'local_correlation_reference',
    'cosine_local_correlation',
    'spatio_temporal_self_similarity',
]


def _pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or any(int(p) != p or p < 1 for p in pair):
        raise ValueError(f'{name} must be a positive int or a pair of them, got {value!r}')
    return int(pair[0]), int(pair[1])


def _check_pair_inputs(f1: Tensor, f2: Tensor, patch_size) -> tuple[int, int]:
    if f1.dim() != 4 or f1.shape != f2.shape:
        raise ValueError('local correlation expects f1 and f2 of the same shape (B, C, H, W), '
                         f'got {tuple(f1.shape)} and {tuple(f2.shape)}')
    pu, pv = _pair(patch_size, 'patch_size')
    if pu % 2 == 0 or pv % 2 == 0:
        raise ValueError(f'patch_size must be odd (P = 2r + 1), got {patch_size!r}')
    return pu, pv


def l2_normalize(x: Tensor, dim: int = 1, eps: float = 1e-6) -> Tensor:
    """``x / sqrt(sum(x ** 2, dim) + eps)``.

    The official SELFY / MotionSqueeze convention: ``eps`` is added to the *squared* norm (unlike
    :func:`torch.nn.functional.normalize`, which clamps the norm).
    """
    return x / (x.pow(2).sum(dim=dim, keepdim=True) + eps).sqrt()


def local_correlation(f1: Tensor, f2: Tensor, patch_size: int | tuple[int, int],
                      dilation_patch: int = 1, rows_per_block: int | None = None) -> Tensor:
    """Local correlation (see the module docstring for the exact definition).

    Args:
        f1: query features ``(B, C, H, W)``.
        f2: target features ``(B, C, H, W)``.
        patch_size: ``P`` (odd) or ``(P_u, P_v)``; displacements ``-r..r`` with ``r = P // 2``.
        dilation_patch: step ``d`` between sampled displacements.
        rows_per_block: query rows per matrix product (``R``); default ``max(1, (r_u + 1) // 2)``,
            the fastest setting measured on CPU for P = 9 and P = 15 (see shared/README.md).

    Returns:
        ``(B, P_u, P_v, H, W)`` tensor, differentiable with respect to both inputs.
    """
    pu, pv = _check_pair_inputs(f1, f2, patch_size)
    b, c, h, w = f1.shape
    dil = int(dilation_patch)
    if dil < 1:
        raise ValueError(f'dilation_patch must be >= 1, got {dilation_patch!r}')
    rows = rows_per_block or max(1, (pu // 2 + 1) // 2)
    out = _LocalCorrelation.apply(f1, f2, pu, pv, dil, rows)  # (B, HW, P_u * P_v)
    return out.transpose(1, 2).reshape(b, pu, pv, h, w)


def _row_blocks(h: int, w: int, pu: int, pv: int, dil: int, rows: int, dev):
    """Per block of query rows: ``(y0, y1, lo, hi, col, inside)`` (see :func:`local_correlation`).

    ``col`` ``(1, R*W, P_u*P_v)``: column of every neighbour in the block's ``(R*W, (hi-lo)*W)``
    dot-product matrix (0 outside the image); ``inside`` the matching float-ready bool mask.
    """
    ru, rv = pu // 2, pv // 2
    du = (torch.arange(pu, device=dev) - ru) * dil  # vertical displacements
    dv = (torch.arange(pv, device=dev) - rv) * dil  # horizontal displacements
    x2 = torch.arange(w, device=dev).view(1, w, 1, 1) + dv.view(1, 1, 1, pv)  # (1, W, 1, P_v)
    for y0 in range(0, h, rows):
        y1 = min(h, y0 + rows)
        lo, hi = max(0, y0 - ru * dil), min(h, y1 + ru * dil)
        y2 = torch.arange(y0, y1, device=dev).view(-1, 1, 1, 1) + du.view(1, 1, pu, 1)
        inside = (y2 >= lo) & (y2 < hi) & (x2 >= 0) & (x2 < w)  # (R, W, P_u, P_v)
        col = torch.where(inside, (y2 - lo) * w + x2, 0).reshape(1, (y1 - y0) * w, pu * pv)
        yield y0, y1, lo, hi, col, inside.reshape(1, (y1 - y0) * w, pu * pv)


class _LocalCorrelation(torch.autograd.Function):
    """Block-wise local correlation ``(B, HW, P_u * P_v)`` with a hand-written backward.

    Saves only the two inputs.  The backward pass scatters each block's output gradient into the
    block's dot-product layout and applies the two transposed matrix products, so no copy of the
    whole output gradient is made (autograd's slice-assignment backward clones it per block).
    """

    @staticmethod
    def forward(ctx, f1: Tensor, f2: Tensor, pu: int, pv: int, dil: int, rows: int) -> Tensor:
        b, c, h, w = f1.shape
        query = f1.flatten(2).transpose(1, 2)  # (B, HW, C)
        target = f2.flatten(2)  # (B, C, HW)
        out = f1.new_empty(b, h * w, pu * pv)
        for y0, y1, lo, hi, col, inside in _row_blocks(h, w, pu, pv, dil, rows, f1.device):
            # (B, R*W, (hi - lo)*W): every query of the block against every reachable target.
            dots = torch.bmm(query[:, y0 * w:y1 * w], target[:, :, lo * w:hi * w])
            picked = torch.gather(dots, 2, col.expand(b, -1, -1))
            torch.mul(picked, inside.to(picked.dtype), out=out[:, y0 * w:y1 * w])
        ctx.save_for_backward(f1, f2)
        ctx.geometry = (pu, pv, dil, rows)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        f1, f2 = ctx.saved_tensors
        pu, pv, dil, rows = ctx.geometry
        b, c, h, w = f1.shape
        need1, need2 = ctx.needs_input_grad[:2]
        query = f1.flatten(2).transpose(1, 2)  # (B, HW, C)
        target = f2.flatten(2)  # (B, C, HW)
        grad_q = f1.new_empty(b, h * w, c) if need1 else None
        grad_t = f2.new_zeros(b, c, h * w) if need2 else None
        for y0, y1, lo, hi, col, inside in _row_blocks(h, w, pu, pv, dil, rows, f1.device):
            g = grad_out[:, y0 * w:y1 * w] * inside.to(grad_out.dtype)
            gd = g.new_zeros(b, (y1 - y0) * w, (hi - lo) * w).scatter_add_(
                2, col.expand(b, -1, -1), g)
            if need1:
                torch.bmm(gd, target[:, :, lo * w:hi * w].transpose(1, 2),
                          out=grad_q[:, y0 * w:y1 * w])
            if need2:
                grad_t[:, :, lo * w:hi * w].baddbmm_(query[:, y0 * w:y1 * w].transpose(1, 2), gd)
        grad1 = grad_q.transpose(1, 2).reshape(b, c, h, w) if need1 else None
        grad2 = grad_t.view(b, c, h, w) if need2 else None
        return grad1, grad2, None, None, None, None


def local_correlation_reference(f1: Tensor, f2: Tensor, patch_size: int | tuple[int, int],
                                dilation_patch: int = 1) -> Tensor:
    """Shift-and-multiply loop over the ``P_u * P_v`` displacements (test oracle).

    Same contract as :func:`local_correlation`; ``O(P^2)`` elementwise passes.
    """
    pu, pv = _check_pair_inputs(f1, f2, patch_size)
    b, c, h, w = f1.shape
    ru, rv, d = pu // 2, pv // 2, int(dilation_patch)
    padded = F.pad(f2, (rv * d, rv * d, ru * d, ru * d))
    out = f1.new_zeros(b, pu, pv, h, w)
    for u in range(pu):
        for v in range(pv):
            shifted = padded[:, :, u * d:u * d + h, v * d:v * d + w]
            out[:, u, v] = (f1 * shifted).sum(1)
    return out


def cosine_local_correlation(f1: Tensor, f2: Tensor, patch_size: int | tuple[int, int],
                             dilation_patch: int = 1, eps: float = 1e-6) -> Tensor:
    """Local correlation of channel-wise L2-normalised features (:func:`l2_normalize`).

    MotionSqueeze's matching layer is ``relu(cosine_local_correlation(f_t, f_{t+1}, 15))``
    viewed as ``(B, 225, H*W)``.  Output ``(B, P_u, P_v, H, W)``.
    """
    return local_correlation(l2_normalize(f1, eps=eps), l2_normalize(f2, eps=eps), patch_size,
                             dilation_patch)


def _swap_roles(corr: Tensor) -> Tensor:
    """``local_correlation(b, a)`` from ``corr = local_correlation(a, b)`` without recomputing.

    ``<b(p), a(p + delta)> = <a(p'), b(p' - delta)>`` with ``p' = p + delta``: flip both
    displacement axes and move each slice by its displacement (zero where ``p + delta`` leaves
    the image).  The values are the same dot products, bit for bit.
    """
    n, pu, pv, h, w = corr.shape
    dev = corr.device
    y2 = (torch.arange(pu, device=dev) - pu // 2).view(pu, 1, 1, 1) + torch.arange(
        h, device=dev).view(1, 1, h, 1)
    x2 = (torch.arange(pv, device=dev) - pv // 2).view(1, pv, 1, 1) + torch.arange(
        w, device=dev).view(1, 1, 1, w)
    inside = (y2 >= 0) & (y2 < h) & (x2 >= 0) & (x2 < w)  # (P_u, P_v, H, W)
    flipped = ((pu - 1 - torch.arange(pu, device=dev)).view(pu, 1, 1, 1) * pv
               + (pv - 1 - torch.arange(pv, device=dev)).view(1, pv, 1, 1))
    src = (flipped * h + y2.clamp(0, h - 1)) * w + x2.clamp(0, w - 1)
    src = torch.where(inside, src, 0).reshape(-1)
    return corr.reshape(n, -1)[:, src].view(corr.shape) * inside.to(corr.dtype)


@functools.lru_cache(maxsize=16)
def _gram_picks(h: int, w: int, pu: int, pv: int, device: str) -> tuple[Tensor, Tensor]:
    """Positions of every pixel's ``P_u x P_v`` neighbours in a flattened ``(HW, HW)`` Gram.

    Returns ``picks`` ``(2 * HW * P_u * P_v,)``: first ``p * HW + q`` (query ``p`` against its
    neighbour ``q``, row ``p`` of ``G = X_a X_b^T``), then ``q * HW + p`` (the same pairs read from
    the transposed position, i.e. frame ``b`` as query against frame ``a``); 0 where ``q`` is
    outside the image.  ``inside``: ``(HW, P_u * P_v)`` mask of the in-image neighbours.
    """
    dev = torch.device(device)
    n = h * w
    y = torch.arange(h, device=dev).view(h, 1, 1, 1)
    x = torch.arange(w, device=dev).view(1, w, 1, 1)
    y2 = y + (torch.arange(pu, device=dev) - pu // 2).view(1, 1, pu, 1)
    x2 = x + (torch.arange(pv, device=dev) - pv // 2).view(1, 1, 1, pv)
    inside = (y2 >= 0) & (y2 < h) & (x2 >= 0) & (x2 < w)  # (H, W, P_u, P_v)
    q = torch.where(inside, y2 * w + x2, 0)
    p = torch.where(inside, (y * w + x).expand(h, w, pu, pv), 0)
    return torch.stack([p * n + q, q * n + p]).reshape(-1), inside.reshape(n, pu * pv)


STSS_LAYOUTS = ('bthwluv', 'uvbthwl')


class _STSSGram(torch.autograd.Function):
    """STSS of small frames from full per-pair Gram matrices ``(HW, HW)`` (see
    :func:`spatio_temporal_self_similarity`), with its own backward: per frame pair the picked
    entries' gradient is scattered into a ``(HW, HW)`` matrix and multiplied by the two frames
    (through autograd, each slice write of the output cloned the whole output gradient).

    Input: features ``(B, T, C, HW)`` (already normalised if cosine). Output ``(B, T, HW, L,
    U*V)``, stored in the memory order ``layout`` names (:data:`STSS_LAYOUTS`): ``'bthwluv'``
    contiguous, ``'uvbthwl'`` a permuted view of a ``(U*V, B, T, HW, L)`` buffer."""

    @staticmethod
    def forward(ctx, xf: Tensor, h: int, w: int, length: int, pu: int, pv: int,
                layout: str) -> Tensor:
        b, t, _, n_hw = xf.shape
        half, uv = length // 2, pu * pv
        picks, inside = _gram_picks(h, w, pu, pv, str(xf.device))
        inside = inside.to(xf.dtype)
        if layout == 'bthwluv':
            out = xf.new_empty(b, t, n_hw, length, uv)
        else:
            out = xf.new_empty(uv, b, t, n_hw, length).permute(1, 2, 3, 4, 0)
        for offset in range(half + 1):
            n = t - offset  # frames t < T - offset against t + offset; the rest is time padding
            if n <= 0:
                out[:, :, :, half + offset] = 0
                out[:, :, :, half - offset] = 0
                continue
            gram = torch.matmul(xf[:, :n].transpose(-1, -2), xf[:, offset:])  # (B, n, HW, HW)
            gram = gram.reshape(b * n, n_hw * n_hw)
            # +offset: rows of G (frame t as query); -offset: columns (frame t + offset)
            sel = gram.index_select(1, picks if offset else picks[:n_hw * uv])
            sel = sel.view(b, n, 2 if offset else 1, n_hw, uv)
            torch.mul(sel[:, :, 0], inside, out=out[:, :n, :, half + offset])
            if offset:
                out[:, n:, :, half + offset] = 0
                torch.mul(sel[:, :, 1], inside, out=out[:, offset:, :, half - offset])
                out[:, :offset, :, half - offset] = 0
        ctx.save_for_backward(xf)
        ctx.args = (h, w, length, pu, pv)
        return out

    @staticmethod
    def backward(ctx, g: Tensor):
        (xf,) = ctx.saved_tensors
        h, w, length, pu, pv = ctx.args
        b, t, _, n_hw = xf.shape
        half, uv = length // 2, pu * pv
        picks, inside = _gram_picks(h, w, pu, pv, str(xf.device))
        inside = inside.to(xf.dtype)
        gx = torch.zeros_like(xf)
        for offset in range(half + 1):
            n = t - offset
            if n <= 0:
                continue
            k = 2 if offset else 1
            gs = xf.new_empty(b, n, k, n_hw, uv)  # the gradient of the picked Gram entries
            torch.mul(g[:, :n, :, half + offset], inside, out=gs[:, :, 0])
            if offset:
                torch.mul(g[:, offset:, :, half - offset], inside, out=gs[:, :, 1])
            gg = xf.new_zeros(b * n, n_hw * n_hw).index_add_(1, picks[:k * n_hw * uv],
                                                             gs.view(b * n, -1))
            gg = gg.view(b, n, n_hw, n_hw)  # d/dG of G = X_t^T X_{t+offset}, X = (C, HW)
            if offset == 0:
                gx += torch.matmul(xf, gg + gg.transpose(-1, -2))
            else:
                gx[:, :n] += torch.matmul(xf[:, offset:], gg.transpose(-1, -2))
                gx[:, offset:] += torch.matmul(xf[:, :n], gg)
        return gx, None, None, None, None, None, None


def spatio_temporal_self_similarity(x: Tensor, window: tuple[int, int, int] = (5, 9, 9),
                                    normalize: bool = True, eps: float = 1e-6,
                                    layout: str = 'bthwluv') -> Tensor:
    """SELFY's STSS tensor: every position against its ``L x U x V`` space-time neighbourhood.

    .. math::

        S[b, t, y, x, 0, l, u, v] = \\langle \\bar f_t(y, x),
            \\bar f_{t + l - \\lfloor L/2 \\rfloor}(y + u - \\lfloor U/2 \\rfloor,
                                                     x + v - \\lfloor V/2 \\rfloor) \\rangle

    (paper Eq. 1 with cosine similarity), where ``f_bar`` is :func:`l2_normalize` d over channels
    when ``normalize`` (the official SELFY setting) and the raw features otherwise (dot product).
    Frames outside ``[0, T)`` (the official code zero-pads the time axis) and positions outside the
    image contribute 0.  Only the offsets ``0..L//2`` are correlated; each negative offset is the
    positive one with query and target swapped (exact).  Small frames (``H <= 4 (U // 2) + 2`` and
    ``HW <= 1024``, e.g. SELFY's 14 x 14 with U = 9) use one full ``(HW, HW)`` Gram matrix per
    frame pair and read both offsets from it (rows for ``+l``, columns for ``-l``); larger ones use
    the row blocks of :func:`local_correlation` and :func:`_swap_roles`.

    Args:
        x: features ``(B, T, C, H, W)`` (the official block reshapes its ``(B*T, C, H, W)`` input
            with ``num_segments = T`` first).
        window: ``(L, U, V)``, all odd.
        layout: the output's memory order (its shape is the same): ``'bthwluv'`` (default) the
            official ``STSSTransformation`` layout, contiguous on the small-frame path and a
            permuted view otherwise; ``'uvbthwl'`` the displacements outermost, as a permuted
            view of a contiguous ``(U, V, B, T, H, W, L)`` buffer (one column per
            ``(b, t, y, x, l)`` map of a ``(U*V, maps)`` matrix: SELFY's convolutional
            extraction reads it without a copy).

    Returns:
        ``(B, T, H, W, 1, L, U, V)``.  Differentiable (small frames: a hand-written backward).
    """
    if x.dim() != 5:
        raise ValueError(f'STSS expects x of shape (B, T, C, H, W), got {tuple(x.shape)}')
    length, pu, pv = (int(k) for k in window)
    if any(k < 1 or k % 2 == 0 for k in (length, pu, pv)):
        # checked here for all three: the row-block path would refuse an even U or V but the
        # small-frame Gram path would accept it, so one call would pass or fail by frame size
        raise ValueError(f'STSS window (L, U, V) must be positive and odd, got window={window!r}')
    if layout not in STSS_LAYOUTS:
        raise ValueError(f'STSS layout must be one of {STSS_LAYOUTS}, got {layout!r}')
    b, t, c, h, w = x.shape
    if normalize:
        x = l2_normalize(x, dim=2, eps=eps)
    if h <= 4 * (pu // 2) + 2 and h * w <= 1024:
        # Small frames (SELFY: 14 x 14, U = 9): the blocks of local_correlation would reach
        # almost every row, so take the whole Gram matrix of each frame pair in one product.
        out = _STSSGram.apply(x.reshape(b, t, c, h * w), h, w, length, pu, pv, layout)
        return out.view(b, t, h, w, 1, length, pu, pv)
    half = length // 2
    stss = x.new_zeros(b, t, length, pu, pv, h, w)
    for offset in range(min(half, t - 1) + 1):
        # Frames t < T - offset against t + offset; the rest stays zero (time padding).  The
        # pairs of offset -l are the pairs of +l with the roles swapped (_swap_roles).
        n = t - offset
        q = x[:, :n].reshape(-1, c, h, w)
        k = x[:, offset:].reshape(-1, c, h, w)
        corr = local_correlation(q, k, (pu, pv))
        stss[:, :n, half + offset] = corr.view(b, n, pu, pv, h, w)
        if offset:
            stss[:, offset:, half - offset] = _swap_roles(corr).view(b, n, pu, pv, h, w)
    out = stss.permute(0, 1, 5, 6, 2, 3, 4).unsqueeze(4)
    if layout == 'uvbthwl':  # (U, V, B, T, H, W, 1, L) in memory
        out = out.permute(6, 7, 0, 1, 2, 3, 4, 5).contiguous().permute(2, 3, 4, 5, 6, 7, 0, 1)
    return out
