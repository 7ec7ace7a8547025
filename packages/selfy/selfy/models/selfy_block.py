"""The SELFY block (Kwon, Kim, Kwak & Cho, "Learning Self-Similarity in Space and Time as
Generalized Motion for Video Action Recognition", ICCV 2021, Sec. 3 and Fig. 2).

The block maps a video feature tensor ``V`` (frames of ``B`` clips of ``T`` segments,
``(B*T, C, H, W)``) to ``relu(V + g(V))`` where ``g`` is

1. **STSS transformation** (paper Sec. 3.1, Eq. 1; official ``ops/selfy.py``
   ``STSSTransformation``): a 3x3 stride-2 conv (``C -> d_hid``, no bias) + BN + ReLU
   (SELFY's 28x28 res3 map becomes 14x14), then the spatio-temporal self-similarity
   ``S[b, t, y, x, l, u, v] = cos(f_t(y, x), f_{t+l-2}(y+u-4, x+v-4))`` in an ``(L, U, V) =
   (5, 9, 9)`` neighbourhood, zero outside the clip / image (the shared
   :func:`cvshared.ops.correlation.spatio_temporal_self_similarity`).
2. **STSS feature extraction** (paper Sec. 3.2, Eq. 2-4; ``extraction=``):
   ``'conv'`` (official ``STSSExtraction``, the paper's final choice): four convolutions with
   kernel 1x3x3 over the ``(l, u, v)`` volume of every query position (channels
   ``(4, 16, 64, 64)``, strides ``1, (1,2,2), (1,2,2), 1``, paddings ``(0,1,1), (0,1,1),
   (0,1,1), 0``; U x V goes 9 -> 9 -> 5 -> 3 -> 1), each + BN + ReLU.
   ``'mlp'`` (paper only, Eq. 3): the ``U*V`` similarities of every ``(query, l)`` flattened
   and fed to a two-layer perceptron (``U*V -> ext[2] -> ext[3]``, BN + ReLU each).
   ``'soft_argmax'`` (paper only, Eq. 2): every ``U x V`` map turned into a displacement
   ``(dx, dy)`` (kernel soft-argmax, :func:`cvshared.ops.soft_argmax.kernel_soft_argmax`) and
   its confidence (max similarity), 3 numbers per offset ``l``, lifted to ``ext[3]`` channels
   by a 1x1 layer + BN + ReLU.
   Each variant gives the same ``(B*L, ext[3], T, h, w)`` tensor, so the integration is shared.
3. **Feature integration** (paper Sec. 3.3, Eq. 5; official ``STSSIntegration``): three
   1x3x3 convolutions over ``(t, y, x)`` (64 -> 64, BN + ReLU), the ``L`` offsets folded into
   channels (``(l c)`` order, ``L*64 -> 64`` 1x3x3 conv + BN + ReLU), then a transposed 1x1x1
   convolution of stride ``(1, 2, 2)`` with ``output_padding (0, 1, 1)`` (no bias: back to
   ``C`` channels at ``H x W``, non-zero only at even positions) and a BN whose ``gamma`` is 0
   at initialisation, so the block is the identity before training (official
   ``ops/resnet_TSM.py`` ``ResNet.__init__``, the ``zero_init_residual`` loop).

Implementation notes (same numbers as the official module, faster on CPU): every official
``Conv3d`` here has a temporal kernel of 1, so it is run as ``conv2d`` with the time (or
offset) axis folded into the batch (:class:`_Conv3dAs2d`; the parameters keep the official
``Conv3d`` shapes and names, so official state dicts load unchanged), and the stride-2
transposed 1x1x1 convolution is a 1x1 product written into the even positions of a zero map.
Batch norm over ``(N, C, T, H, W)`` equals batch norm over ``(N*T, C, H, W)`` (same statistics),
so the BNs are ``BatchNorm2d`` with the official ``BatchNorm3d`` parameter names. The four
extraction convolutions act on tiny ``9 x 9`` maps of one query each; each runs as one matrix
product (only its row bands multiplied) on the transposed ``(features, maps)`` layout
(:func:`_dense_conv_bn_relu_t`), which is faster there than ``conv2d``; its batch norms are
folded into the products in eval; in training the four layers run as one Function
(:class:`_BandConvBNReLUChain`) whose activations and gradients live in reused buffers
(:class:`_BufferPool`). The shared STSS op writes straight into the extraction's layout (its
``layout='uvbthwl'``), and ``SELFYBlock.forward`` computes ``relu(x + bn(scatter(y)))`` without
the full-size scattered map (:class:`_ScatterBNResidualReLU`); ``residual`` keeps the unfused
composition.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.ops.correlation import spatio_temporal_self_similarity
from cvshared.ops.soft_argmax import kernel_soft_argmax
from mmengine.model import BaseModule

from ..registry import MODELS

__all__ = ['SELFYBlock', 'STSSTransformation', 'STSSExtraction', 'STSSIntegration',
           'EXTRACTIONS']

EXTRACTIONS = ('conv', 'mlp', 'soft_argmax')


class _Conv3dAs2d(nn.Conv3d):
    """A ``Conv3d`` with kernel/stride/padding 1 / 1 / 0 on its first axis, run as ``conv2d``
    on ``(N*D, C, H, W)`` (the depth axis folded into the batch by the caller)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight[:, :, 0], self.bias, self.stride[1:], self.padding[1:])


def _conv_bn_relu(c_in: int, c_out: int, stride=(1, 1, 1), padding=(0, 1, 1),
                  kernel=(1, 3, 3)) -> nn.Sequential:
    # indices 0, 1, 2 as the official nn.Sequential(Conv3d, BatchNorm3d, ReLU)
    return nn.Sequential(_Conv3dAs2d(c_in, c_out, kernel, stride, padding, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def _bn_factor(bn: nn.BatchNorm2d) -> float:
    """``nn.BatchNorm2d.forward``'s running-average factor, counting the batch when it tracks
    statistics in training (``momentum=None``: the cumulative average)."""
    if bn.training and bn.track_running_stats:
        bn.num_batches_tracked.add_(1)
        if bn.momentum is None:
            return 1.0 / float(bn.num_batches_tracked)
    return 0.0 if bn.momentum is None else bn.momentum


def _bn_running(bn: nn.BatchNorm2d) -> tuple:
    """The running statistics ``F.batch_norm`` is given by ``nn.BatchNorm2d.forward``."""
    if bn.training and not bn.track_running_stats:
        return None, None
    return bn.running_mean, bn.running_var


def _bn(bn: nn.BatchNorm2d, x: torch.Tensor) -> torch.Tensor:
    """``bn`` applied to ``(N, C, L)`` (``nn.BatchNorm2d``'s arithmetic and running-statistics
    update on the ``(N, C, H, W)`` tensor flattened over ``H * W``)."""
    factor = _bn_factor(bn)
    use_batch = bn.training or not bn.track_running_stats
    return F.batch_norm(x, *_bn_running(bn), bn.weight, bn.bias, use_batch, factor, bn.eps)


class _BufferPool:
    """Reused CPU buffers for the conv extraction's large activations and gradients (hundreds
    of MiB at SELFY's size). A fresh CPU tensor that large is a new ``mmap`` whose pages the
    kernel zeroes on first touch (measured: ~600k page faults, a third of the block's CPU time
    per forward + backward); a buffer is handed out again only once nothing but the pool refers
    to its storage (every tensor handed out is a new view of it), so a buffer still saved by an
    autograd graph, or held by the caller, is never reused. Not for CUDA (its caching allocator
    already reuses memory): there :meth:`empty` allocates. Copies and pickles of the owning
    module start with an empty pool."""

    _use_count = getattr(torch._C, '_storage_Use_Count', None)

    def __init__(self):
        self._storages = []
        self._lock = threading.Lock()

    def __deepcopy__(self, memo):
        return _BufferPool()

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()

    def __len__(self) -> int:
        return len(self._storages)

    def empty(self, shape: tuple, like: torch.Tensor) -> torch.Tensor:
        """An uninitialised contiguous tensor of ``shape`` with ``like``'s dtype and device."""
        if like.device.type != 'cpu' or self._use_count is None:
            return like.new_empty(shape)
        nbytes = math.prod(shape) * like.element_size()
        with self._lock:
            best = None
            for storage in self._storages:  # the smallest free one that fits
                if (storage.nbytes() >= nbytes and self._use_count(storage._cdata) == 1
                        and (best is None or storage.nbytes() < best.nbytes())):
                    best = storage
            if best is None:
                best = torch.empty(nbytes, dtype=torch.uint8).untyped_storage()
                self._storages.append(best)
            return like.new_empty(0).set_(best, 0, shape)


class _StrideTwoScatter(torch.autograd.Function):
    """``(N, C, h, w)`` -> ``(N, C, 2h, 2w)``, the input at the even positions, zero elsewhere
    (the stride-2 transposed 1x1 conv's output layout). Its backward reads the gradient's even
    positions directly (the in-place ``out[..., ::2, ::2] = y`` would first clone the whole
    full-size gradient)."""

    @staticmethod
    def forward(ctx, y):
        n, c, h, w = y.shape
        out = y.new_zeros(n, c, 2 * h, 2 * w)
        out[:, :, ::2, ::2] = y
        return out

    @staticmethod
    def backward(ctx, g):
        return g[:, :, ::2, ::2]


class _BandMatmul(torch.autograd.Function):
    """``y = A @ x`` for a matrix ``A`` that is zero outside row bands: band ``k`` maps input
    rows ``[i0, i1)`` to output rows ``[o0, o1)``. Only the bands are multiplied (forward and
    backward); ``A``'s gradient is zero outside them, as the dense product's would be where
    ``A`` is structurally zero."""

    @staticmethod
    def forward(ctx, a, x, bands):
        y = x.new_empty(a.shape[0], x.shape[1])
        for o0, o1, i0, i1 in bands:
            torch.mm(a[o0:o1, i0:i1], x[i0:i1], out=y[o0:o1])
        ctx.save_for_backward(a, x)
        ctx.bands = bands
        return y

    @staticmethod
    def backward(ctx, gy):
        a, x = ctx.saved_tensors
        ga, gx = _band_backward(a, x, gy.contiguous(), ctx.bands, *ctx.needs_input_grad[:2])
        return ga, gx, None


def _band_backward(a, x, gy, bands, need_a: bool, need_x: bool, gx=None) -> tuple:
    """The gradients of ``A`` and ``x`` of the banded ``y = A @ x`` (:class:`_BandMatmul`);
    ``gx``: the buffer for ``x``'s (default a new one)."""
    ga = torch.zeros_like(a) if need_a else None
    if need_x and gx is None:
        gx = x.new_empty(x.shape)
    if not need_x:
        gx = None
    done = 0  # gx rows [0, done) written; the bands' input rows ascend and overlap
    for o0, o1, i0, i1 in bands:
        if gx is not None:
            if i0 > done:  # rows no band reads (none for SELFY's paddings)
                gx[done:i0].zero_()
            mid = min(max(done, i0), i1)
            if mid > i0:  # rows an earlier band wrote: accumulate
                gx[i0:mid].addmm_(a[o0:o1, i0:mid].t(), gy[o0:o1])
            if i1 > mid:  # rows first reached here: written, no zero-fill pass
                torch.mm(a[o0:o1, mid:i1].t(), gy[o0:o1], out=gx[mid:i1])
            done = max(done, i1)
        if ga is not None:
            torch.mm(gy[o0:o1], x[i0:i1].t(), out=ga[o0:o1, i0:i1])
    if gx is not None and done < x.shape[0]:
        gx[done:].zero_()
    return ga, gx


class _BandAffineReLU(torch.autograd.Function):
    """``relu(A @ x + bias[:, None])`` for a banded ``A`` (:class:`_BandMatmul`): the bias added
    by the products themselves and the ReLU in place, one output buffer (a batch norm folded
    into ``A`` and ``bias``)."""

    @staticmethod
    def forward(ctx, a, x, bias, bands):
        y = x.new_empty(a.shape[0], x.shape[1])
        for o0, o1, i0, i1 in bands:
            torch.addmm(bias[o0:o1, None], a[o0:o1, i0:i1], x[i0:i1], out=y[o0:o1])
        y.clamp_min_(0)
        ctx.save_for_backward(a, x, y)
        ctx.bands = bands
        return y

    @staticmethod
    def backward(ctx, g):
        a, x, y = ctx.saved_tensors
        gy = torch.where(y > 0, g, 0)
        ga, gx = _band_backward(a, x, gy, ctx.bands, *ctx.needs_input_grad[:2])
        return ga, gx, gy.sum(1) if ctx.needs_input_grad[2] else None, None


def _update_running_stats(bn: nn.BatchNorm2d, mean: torch.Tensor, var: torch.Tensor,
                          count: int) -> None:
    """``bn``'s running-statistics update (as ``F.batch_norm`` in training) from the batch
    ``mean`` and biased ``var`` over ``count`` values per channel."""
    if not (bn.training and bn.track_running_stats):
        return
    with torch.no_grad():
        bn.num_batches_tracked.add_(1)
        factor = 1.0 / float(bn.num_batches_tracked) if bn.momentum is None else bn.momentum
        bn.running_mean.mul_(1 - factor).add_(mean, alpha=factor)
        bn.running_var.mul_(1 - factor).add_(var * (count / (count - 1)), alpha=factor)


def _band_matrix(conv: nn.Conv3d, size: int, like: torch.Tensor) -> tuple:
    """``conv`` (kernel ``1 x k x k``) on ``size x size`` maps as a banded matrix on the
    TRANSPOSED layout (:func:`_dense_conv_bn_relu_t`): ``A`` ``(s'^2 C', size^2 C)``, rows and
    columns in ``(y, x, c)`` order, built from the weight (gradients reach it), its ``bands``
    (:class:`_BandMatmul`) and ``s'``."""
    c_in = conv.in_channels
    eye = torch.eye(c_in * size * size, dtype=like.dtype, device=like.device)
    basis = F.conv2d(eye.view(-1, c_in, size, size), conv.weight[:, :, 0], None,
                     conv.stride[1:], conv.padding[1:])  # rows (c, y, x); (C', s', s')
    c_out, out_size = basis.shape[1], basis.shape[-1]
    # (c, y, x) x (C', y', x') -> (y', x', C') x (y, x, c)
    a = basis.view(c_in, size, size, c_out, out_size, out_size).permute(4, 5, 3, 1, 2, 0)
    a = a.reshape(out_size * out_size * c_out, size * size * c_in)
    k, stride, pad = conv.kernel_size[1], conv.stride[1], conv.padding[1]
    bands = []
    for yo in range(out_size):
        y0, y1 = max(0, yo * stride - pad), min(size, yo * stride - pad + k)
        bands.append((yo * out_size * c_out, (yo + 1) * out_size * c_out,
                      y0 * size * c_in, y1 * size * c_in))
    return a, tuple(bands), out_size


def _dense_conv_bn_relu_t(layer: nn.Sequential, x_t: torch.Tensor, size: int) -> tuple:
    """``layer`` (conv, BN, ReLU) on ``N`` maps of ``size x size``, given and returned
    TRANSPOSED: ``x_t`` is ``(size^2 * C, N)``, rows in ``(y, x, c)`` order, one column per map;
    the output ``(s'^2 * C', N)``, same order. The conv is a matrix product whose matrix is the
    conv applied to the identity basis (built from the weight each call, so gradients reach it):
    exact, and much faster than ``conv2d`` on SELFY's 62,720 tiny 9 x 9 maps (CPU). With the
    rows in ``(y, x, c)`` order, output row ``y'`` of the map depends on a contiguous band of
    input rows (``k`` of them), so only those bands are multiplied (:class:`_BandMatmul`: 40 % of
    the dense product's work for the extraction's four layers). The layout makes the BN's input
    ``(s'^2, C', N)``: long contiguous runs per channel, the fast path of the CPU batch norm,
    with the same statistics and the same (two-pass) accuracy as on ``(N, C', s'^2)``, whose
    ``s'^2 = 9`` inner loops were half of the extraction's time. With running statistics the
    BN is folded into the product (:class:`_BandAffineReLU`). Returns the output and ``s'``.
    (Training with batch statistics in every layer runs the four layers as one Function,
    :class:`_BandConvBNReLUChain`.)"""
    bn = layer[1]
    a, bands, out_size = _band_matrix(layer[0], size, x_t)
    positions, c_out = out_size * out_size, layer[0].out_channels
    if bn.training or not bn.track_running_stats:
        y_t = _BandMatmul.apply(a, x_t, bands)  # (s'^2 C', N)
        y_t = _bn(bn, y_t.view(positions, c_out, -1))
        return F.relu(y_t, inplace=True).view(positions * c_out, -1), out_size
    mean, var = bn.running_mean, bn.running_var
    scale = torch.rsqrt(var + bn.eps)
    shift = -mean * scale
    if bn.weight is not None:
        scale, shift = scale * bn.weight, shift * bn.weight
    if bn.bias is not None:
        shift = shift + bn.bias
    a = (a.view(positions, c_out, -1) * scale[:, None]).view(positions * c_out, -1)
    return _BandAffineReLU.apply(a, x_t, shift.repeat(positions), bands), out_size


def _bn_backward_(g: torch.Tensor, y: torch.Tensor, mean: torch.Tensor, invstd: torch.Tensor,
                  weight, need_weight: bool, need_bias: bool) -> tuple:
    """Training batch norm's backward on ``(P, C, N)`` views (statistics over ``P`` and ``N``),
    IN PLACE: ``g`` (the output gradient) becomes the input gradient and ``y`` (the BN input,
    no longer needed) is centred. ``native_batch_norm_backward``'s arithmetic (``sum g`` and
    ``sum g (y - mean)`` per channel, the centred form), without its fresh full-size output
    (its ``out=`` variant allocates and copies). Returns ``g``, the weight's and the bias's
    gradients (``None`` where not needed)."""
    count = g.numel() // g.shape[1]
    per_row = g.shape[0] * g.shape[1]
    y.sub_(mean.view(1, -1, 1))
    sum_g = g.sum((0, 2))
    # sum over N of g * (y - mean) for every (p, c) row: a batched dot, no product tensor
    dot = torch.bmm(g.view(per_row, 1, -1), y.view(per_row, -1, 1)).view(g.shape[:2]).sum(0)
    scale = invstd if weight is None else weight * invstd
    coef_y = -(scale * invstd * invstd * dot / count).view(1, -1, 1)
    torch.addcmul((-scale * sum_g / count).view(1, -1, 1), g, scale.view(1, -1, 1), out=g)
    g.addcmul_(y, coef_y)
    return (g, dot * invstd if need_weight else None, sum_g if need_bias else None)


class _BandConvBNReLUChain(torch.autograd.Function):
    """The conv extraction's layers with batch statistics (training) as one Function: per layer
    ``z = relu(bn(A x))`` on the transposed layout (:func:`_dense_conv_bn_relu_t`), ``A x`` its
    banded product, the BN ``native_batch_norm`` on the ``(s'^2, C', N)`` view (the arithmetic
    of ``F.batch_norm`` there, running statistics updated as ``nn.BatchNorm2d`` does), every
    activation and gradient in a buffer of the extraction's :class:`_BufferPool` (no fresh
    hundreds-of-MiB tensor per call), the ReLU in place. Backward: the ReLU mask applied in place
    to the gradient buffer, ``native_batch_norm_backward`` into a reused buffer, the banded
    backward (:func:`_band_backward`); each layer's buffers are released to the pool as soon as
    the backward is past them, so the gradients reuse them.

    ``specs``: per layer ``(bands, positions, channels, bn)``; ``params``: the layers' matrices
    ``A``, then the BN weights, then the BN biases (``None`` without affine)."""

    @staticmethod
    def forward(ctx, x, pool, specs, *params):
        n = len(specs)
        mats, weights, biases = params[:n], params[n:2 * n], params[2 * n:]
        ys, zs, stats = [], [], []
        inp = x
        for (bands, positions, channels, bn), a, weight, bias in zip(specs, mats, weights,
                                                                      biases):
            y = pool.empty((a.shape[0], inp.shape[1]), inp)
            for o0, o1, i0, i1 in bands:
                torch.mm(a[o0:o1, i0:i1], inp[i0:i1], out=y[o0:o1])
            z = pool.empty(y.shape, y)
            mean, invstd = y.new_empty(channels), y.new_empty(channels)
            factor = _bn_factor(bn)
            torch.native_batch_norm(y.view(positions, channels, -1), weight, bias,
                                    *_bn_running(bn), True, factor, bn.eps,
                                    out=(z.view(positions, channels, -1), mean, invstd))
            z.clamp_min_(0)
            ys.append(y)
            zs.append(z)
            stats.append((mean, invstd))
            inp = z
        ctx.save_for_backward(x, *mats, *weights, zs[-1])
        ctx.pool, ctx.specs, ctx.ys, ctx.zs, ctx.stats = pool, specs, ys, zs[:-1], stats
        ctx.has_weight = [w is not None for w in weights]
        ctx.has_bias = [b is not None for b in biases]
        return zs[-1]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g):
        n = len(ctx.specs)
        saved = ctx.saved_tensors
        x, mats, z_last = saved[0], saved[1:n + 1], saved[-1]
        weights = [w if has else None for w, has in zip(saved[n + 1:2 * n + 1], ctx.has_weight)]
        need = ctx.needs_input_grad
        pool = ctx.pool
        gz = pool.empty(g.shape, g)
        torch.ops.aten.threshold_backward.grad_input(g, z_last, 0, grad_input=gz)
        del g
        g_mats, g_weights, g_biases = [None] * n, [None] * n, [None] * n
        for k in reversed(range(n)):
            bands, positions, channels, bn = ctx.specs[k]
            y, (mean, invstd) = ctx.ys[k], ctx.stats[k]
            view = (positions, channels, -1)
            gy, g_weights[k], g_biases[k] = _bn_backward_(
                gz.view(view), y.view(view), mean, invstd,
                weights[k], need[3 + n + k] and ctx.has_weight[k],
                need[3 + 2 * n + k] and ctx.has_bias[k])
            gy = gy.view(y.shape)
            ctx.ys[k] = y = gz = None  # y back to the pool
            inp = x if k == 0 else ctx.zs[k - 1]
            need_x = k > 0 or need[0]
            g_mats[k], gx = _band_backward(mats[k], inp, gy, bands, need[3 + k], need_x,
                                           pool.empty(inp.shape, inp) if need_x else None)
            gy = None
            if k > 0:  # through the previous layer's ReLU, in place
                gz = torch.ops.aten.threshold_backward.grad_input(gx, inp, 0, grad_input=gx)
                ctx.zs[k - 1] = inp = None
        ctx.ys = ctx.zs = ctx.stats = None
        return (gx if need[0] else None, None, None, *g_mats, *g_weights, *g_biases)


class _ScatterBNResidualReLU(torch.autograd.Function):
    """``relu(x + bn(scatter(y)))`` for ``y`` ``(N, C, h, w)`` and ``x`` ``(N, C, 2h, 2w)``, where
    ``scatter`` puts ``y`` at the even positions of a zero map (:class:`_StrideTwoScatter`) and
    ``bn`` normalises with the given per-channel ``mean`` and ``invstd`` (batch statistics of the
    scattered map, three quarters zeros, or the running ones). The BN output at the zero
    positions is one number per channel (``bias - mean * weight * invstd``), so the full-size map
    is never built nor normalised: one pass adds that constant to ``x``, a strided pass adds
    ``y * weight * invstd`` at the even positions, one pass clamps. Backward: one masked pass
    (the gradient of ``x``), one full-size reduction (``sum g``); the rest is on ``y``'s quarter
    size (``sum g * xhat`` splits into its even-position part and the constant's)."""

    @staticmethod
    def forward(ctx, x, y, weight, bias, mean, invstd, batch_stats: bool, pool=None):
        scale = weight * invstd
        out = x.new_empty(x.shape) if pool is None else pool.empty(x.shape, x)
        torch.add(x, (bias - mean * scale).view(1, -1, 1, 1), out=out)
        out[:, :, ::2, ::2].addcmul_(y, scale.view(1, -1, 1, 1))
        out.clamp_min_(0)
        ctx.save_for_backward(out, y, weight, mean, invstd)
        ctx.batch_stats = batch_stats
        return out

    @staticmethod
    def backward(ctx, g):
        out, y, weight, mean, invstd = ctx.saved_tensors
        # the gradient of x and of the BN output (a new tensor: autograd then adds the
        # downsample's input gradient to it in place)
        gx = torch.ops.aten.threshold_backward(g, out, 0)
        ge = gx[:, :, ::2, ::2]
        sum_g = gx.sum((0, 2, 3))
        # sum g * xhat: xhat = (y - mean) * invstd at even positions, -mean * invstd elsewhere
        sum_gxhat = invstd * (ge * y).sum((0, 2, 3)) - mean * invstd * sum_g
        gy = ge * (weight * invstd).view(1, -1, 1, 1)
        if ctx.batch_stats:  # through the batch mean and variance (count = all N 2h 2w)
            m = out.numel() // out.shape[1]
            c1 = (weight * invstd * sum_g / m).view(1, -1, 1, 1)
            c2 = (weight * invstd * invstd * sum_gxhat / m).view(1, -1, 1, 1)
            gy.add_(mean.view(1, -1, 1, 1) * c2 - c1).addcmul_(y, c2, value=-1)
        return gx, gy, sum_gxhat, sum_g, None, None, None, None


def _scatter_bn_residual_relu(x: torch.Tensor, y: torch.Tensor, bn: nn.BatchNorm2d,
                              pool: _BufferPool | None = None) -> torch.Tensor:
    """``relu(x + bn(scatter(y)))`` (:class:`_ScatterBNResidualReLU`) with ``bn``'s statistics:
    in training the batch mean / variance of the scattered map (computed from ``y`` and the
    number of zeros), and ``bn``'s running statistics updated as ``nn.BatchNorm2d`` does."""
    use_batch = bn.training or not bn.track_running_stats
    if not use_batch:
        mean, var = bn.running_mean, bn.running_var
    else:
        with torch.no_grad():
            m = x.numel() // x.shape[1]  # all N * 2h * 2w positions, zeros included
            mean = y.sum((0, 2, 3)) / m
            zeros = m - y.numel() // y.shape[1]
            var = (((y - mean.view(1, -1, 1, 1)) ** 2).sum((0, 2, 3)) + zeros * mean * mean) / m
        _update_running_stats(bn, mean, var, m)
    invstd = torch.rsqrt(var + bn.eps)
    weight = bn.weight if bn.weight is not None else torch.ones_like(mean)
    bias = bn.bias if bn.bias is not None else torch.zeros_like(mean)
    return _ScatterBNResidualReLU.apply(x, y, weight, bias, mean, invstd, use_batch, pool)


def _check_window(window) -> tuple[int, int, int]:
    window = tuple(int(k) for k in window)
    if len(window) != 3 or any(k < 1 or k % 2 == 0 for k in window) or window[1] != window[2]:
        raise ValueError(f'SELFY window (L, U, V) must be three positive odd ints with U == V '
                         f'(paper: (5, 9, 9)), got {window!r}')
    return window


class STSSTransformation(nn.Module):
    """Downsample + STSS (official ``STSSTransformation``; paper Eq. 1).

    ``(B*T, d_in, H, W)`` -> ``(B, T, h, w, 1, L, U, V)`` with ``h = ceil(H / 2)``.
    """

    def __init__(self, d_in: int, d_hid: int, num_segments: int, window=(5, 9, 9)):
        super().__init__()
        self.num_segments = int(num_segments)
        self.window = _check_window(window)
        self.downsample = nn.Sequential(
            nn.Conv2d(d_in, d_hid, kernel_size=3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(d_hid), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.downsample(x)
        bt, c, h, w = x.shape
        x = x.view(bt // self.num_segments, self.num_segments, c, h, w)
        # displacements outermost in memory: the conv extraction's transposed (U*V, maps) input
        return spatio_temporal_self_similarity(x, self.window, normalize=True, eps=1e-6,
                                               layout='uvbthwl')


class STSSExtraction(nn.Module):
    """STSS tensor -> ``(B*L, ext[-1], T, h, w)`` (paper Sec. 3.2; ``extraction`` selects Eq. 2,
    3 or 4, see the module docstring; ``'conv'`` is the official ``STSSExtraction``).

    Args:
        window: ``(L, U, V)``.
        chnls: ``(c0, c1, c2, c3)``; ``'conv'`` uses all four (official ``(4, 16, 64, 64)``),
            ``'mlp'`` the last two as its hidden and output widths, ``'soft_argmax'`` the last.
        extraction: ``'conv'`` | ``'mlp'`` | ``'soft_argmax'``.
        sigma, temperature: kernel soft-argmax parameters (``'soft_argmax'`` only; MotionSqueeze's
            defaults 5 and 100).
    """

    def __init__(self, window=(5, 9, 9), chnls: Sequence[int] = (4, 16, 64, 64),
                 extraction: str = 'conv', sigma: float = 5.0, temperature: float = 100.0):
        super().__init__()
        self.window = _check_window(window)
        if extraction not in EXTRACTIONS:
            raise ValueError(f'extraction must be one of {EXTRACTIONS}, got {extraction!r}')
        self.extraction = extraction
        self._pool = _BufferPool()  # the conv extraction's reused buffers (not state)
        self.chnls = tuple(int(c) for c in chnls)
        if len(self.chnls) != 4:
            raise ValueError(f'extraction channels are 4 ints (paper: (4, 16, 64, 64)), got '
                             f'{chnls!r}')
        _, u, _ = self.window
        c = self.chnls
        if extraction == 'conv':
            if u != 9:
                # strides 1, 2, 2 and a last valid 3x3 take 9 to 1; another U leaves U x V > 1
                raise ValueError(f"extraction='conv' needs U = V = 9 (9 -> 9 -> 5 -> 3 -> 1), "
                                 f'got window {self.window}')
            self.conv0 = _conv_bn_relu(1, c[0])
            self.conv1 = _conv_bn_relu(c[0], c[1], stride=(1, 2, 2))
            self.conv2 = _conv_bn_relu(c[1], c[2], stride=(1, 2, 2))
            self.conv3 = _conv_bn_relu(c[2], c[3], padding=(0, 0, 0))
        elif extraction == 'mlp':
            # a perceptron on the U*V vector = a conv whose kernel covers the whole U x V map
            self.fc0 = _conv_bn_relu(1, c[2], kernel=(1, u, u), padding=(0, 0, 0))
            self.fc1 = _conv_bn_relu(c[2], c[3], kernel=(1, 1, 1), padding=(0, 0, 0))
        else:
            self.sigma, self.temperature = float(sigma), float(temperature)
            self.fc0 = _conv_bn_relu(3, c[3], kernel=(1, 1, 1), padding=(0, 0, 0))

    def _train_chain(self, x: torch.Tensor, layers: tuple, size: int) -> torch.Tensor:
        """The conv layers with batch statistics, ``(U*V, N)`` -> ``(C, N)`` transposed
        (:class:`_BandConvBNReLUChain`)."""
        specs, mats = [], []
        for conv, bn, _ in layers:
            a, bands, size = _band_matrix(conv, size, x)
            specs.append((bands, size * size, conv.out_channels, bn))
            mats.append(a)
        return _BandConvBNReLUChain.apply(x, self._pool, tuple(specs), *mats,
                                          *(m[1].weight for m in layers),
                                          *(m[1].bias for m in layers))

    def forward(self, stss: torch.Tensor) -> torch.Tensor:
        b, t, h, w, _, L, u, v = stss.shape
        if self.extraction == 'soft_argmax':
            # (b t h w) l u v -> (b t l) u v h w for the op's (B, P, P, H, W) layout
            vol = stss.squeeze(4).permute(0, 1, 4, 5, 6, 2, 3).reshape(b * t * L, u, v, h, w)
            flow, conf = kernel_soft_argmax(vol, self.sigma, self.temperature)
            x = torch.cat([flow, conf], 1).view(b, t, L, 3, h, w)
            x = x.permute(0, 2, 1, 4, 5, 3).reshape(b * L * t * h * w, 3, 1, 1)
            x = self.fc0(x)
        else:
            if self.extraction == 'conv':
                # transposed: (u v), (b t h w l); the four layers keep one column per map
                x, size = stss.reshape(b * t * h * w * L, u * v).t().contiguous(), u
                layers = (self.conv0, self.conv1, self.conv2, self.conv3)
                if all(m[1].training or not m[1].track_running_stats for m in layers):
                    x = self._train_chain(x, layers, size)
                else:
                    for layer in layers:
                        x, size = _dense_conv_bn_relu_t(layer, x, size)
                c = x.shape[0]  # size is 1: (c, (b t h w l)) -> (b l) c t h w
                return x.view(c, b, t, h, w, L).permute(1, 5, 0, 2, 3, 4).reshape(
                    b * L, c, t, h, w)
            else:
                x = stss.reshape(b * t * h * w * L, 1, u, v)  # (b t h w l), 1, u, v
                x = self.fc1(self.fc0(x))
            x = x.view(b, t, h, w, L, -1).permute(0, 4, 1, 2, 3, 5)
            x = x.reshape(b * L * t * h * w, -1, 1, 1)
        c = x.shape[1]
        # (b l t h w) c -> (b l) c t h w
        return x.view(b * L, t, h, w, c).permute(0, 4, 1, 2, 3)


class STSSIntegration(nn.Module):
    """``(B*L, d_in, T, h, w)`` -> ``(B*T, d_out, 2h, 2w)`` (paper Sec. 3.3; official
    ``STSSIntegration``). ``upsample.1`` is the BN zero-initialised by :class:`SELFYBlock`."""

    def __init__(self, d_in: int, d_out: int, window=(5, 9, 9),
                 chnls: Sequence[int] = (64, 64, 64, 64)):
        super().__init__()
        self.window = _check_window(window)
        c = tuple(int(k) for k in chnls)
        length = self.window[0]
        self.conv0 = _conv_bn_relu(d_in, c[0])
        self.conv1 = _conv_bn_relu(c[0], c[1])
        self.conv2 = _conv_bn_relu(c[1], c[2])
        # official conv3_fuse = Sequential(Rearrange, Conv3d, BN, ReLU): indices 1, 2, 3
        self.conv3_fuse = nn.Sequential(
            nn.Identity(), _Conv3dAs2d(c[2] * length, c[3], (1, 3, 3), 1, (0, 1, 1), bias=False),
            nn.BatchNorm2d(c[3]), nn.ReLU(inplace=True))
        # official upsample = Sequential(ConvTranspose3d, BN, Rearrange): indices 0, 1
        self.upsample = nn.Sequential(
            nn.ConvTranspose3d(c[3], d_out, kernel_size=1, stride=(1, 2, 2),
                               output_padding=(0, 1, 1), bias=False),
            nn.BatchNorm2d(d_out))

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """Everything before the stride-2 scatter and the last BN: the transposed conv's 1x1
        product at ``h x w``, ``(B*T, d_out, h, w)``."""
        bl, c, t, h, w = x.shape
        length = self.window[0]
        b = bl // length
        x = x.transpose(1, 2).reshape(bl * t, c, h, w)  # (b l t) c h w
        x = self.conv2(self.conv1(self.conv0(x)))
        c = x.shape[1]
        # (b l t) c h w -> (b t) (l c) h w
        x = x.view(b, length, t, c, h, w).transpose(1, 2).reshape(b * t, length * c, h, w)
        x = self.conv3_fuse(x)
        return torch.einsum('nchw,cd->ndhw', x, self.upsample[0].weight[:, :, 0, 0, 0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.upsample[1](_StrideTwoScatter.apply(self.project(x)))


@MODELS.register_module()
class SELFYBlock(BaseModule):
    """The SELFY block, ``relu(x + g(x))`` (module docstring; official ``ops/selfy.py``
    ``SELFYBlock`` and its hard-coded use in ``ops/resnet_TSM.py`` ``ResNet.__init__``).

    Args:
        in_channels: ``d_in`` (512 after res3 of ResNet-50).
        hid_channels: ``d_hid``, channels of the downsampled features that the STSS compares (128).
        num_segments: ``T``; the input is ``(B*T, C, H, W)`` clip-major (given by the backbone
            through ``cvshared.video.stage_blocks``).
        window: ``(L, U, V)`` (paper: (5, 9, 9)).
        ext_channels: extraction channels (paper: (4, 16, 64, 64)).
        int_channels: integration channels (paper: (64, 64, 64, 64)).
        extraction: ``'conv'`` (official), ``'mlp'`` or ``'soft_argmax'`` (paper ablation only).
        zero_init_last_bn: ``gamma = 0`` for the BN after the upsample (official: yes).

    Shape: ``(B*T, in_channels, H, W)`` -> same, ``H`` and ``W`` even.
    """

    def __init__(self, in_channels: int = 512, hid_channels: int = 128, num_segments: int = 8,
                 window: Sequence[int] = (5, 9, 9),
                 ext_channels: Sequence[int] = (4, 16, 64, 64),
                 int_channels: Sequence[int] = (64, 64, 64, 64), extraction: str = 'conv',
                 zero_init_last_bn: bool = True, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.num_segments = int(num_segments)
        self.in_channels = int(in_channels)
        self.window = _check_window(window)
        self.zero_init_last_bn = zero_init_last_bn
        self._pool = _BufferPool()  # reused output buffers (the output's memory, not state)
        self.stss_transformation = STSSTransformation(in_channels, hid_channels, num_segments,
                                                      self.window)
        self.stss_extraction = STSSExtraction(self.window, ext_channels, extraction)
        self.stss_integration = STSSIntegration(ext_channels[-1], in_channels, self.window,
                                                int_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Kaiming-normal ``fan_out`` for every (transposed) convolution, BN ``(1, 0)``, the last
        BN's ``gamma`` 0 (official ``ResNet.__init__``)."""
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Conv3d, nn.ConvTranspose3d)):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if self.zero_init_last_bn:
            nn.init.constant_(self.stss_integration.upsample[1].weight, 0)

    def init_weights(self) -> None:
        """The official initialisation again (the backbone's ``init_weights`` runs first and
        re-initialises every BN of its ``modules()``, this block's included), or ``init_cfg``."""
        if self.init_cfg is not None:
            super().init_weights()
        else:
            self.reset_parameters()
        self._is_init = True

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """``g(x)`` before the sum and the ReLU, ``(B*T, C, H, W)``."""
        stss = self.stss_transformation(x)
        return self.stss_integration(self.stss_extraction(stss))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'SELFYBlock expects (B*T, {self.in_channels}, H, W), got '
                             f'{tuple(x.shape)}')
        if x.shape[0] % self.num_segments:
            raise ValueError(f'SELFYBlock: {x.shape[0]} frames is not a multiple of '
                             f'num_segments={self.num_segments}')
        if x.shape[2] % 2 or x.shape[3] % 2:
            raise ValueError(f'SELFYBlock needs an even H and W (stride-2 down, x2 up), got '
                             f'{tuple(x.shape[2:])}')
        y = self.stss_integration.project(self.stss_extraction(self.stss_transformation(x)))
        return _scatter_bn_residual_relu(x, y, self.stss_integration.upsample[1], self._pool)
