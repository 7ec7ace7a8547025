"""The flows of MSFlow (Sec. III of the paper) and its positional condition.

Notation: the extractor gives K = 3 feature maps; after average pooling the map of scale k is
y_k with C_k channels. The *parallel flow* f_k (Sec. III-B) maps y_k, conditioned on a 2-D
positional encoding c_k, to z_k; the *fusion flow* (Sec. III-C) maps all {z_k} jointly to the
final latents {z'_k}. Both return the log-determinant of their Jacobian per image, so the
negative log-likelihood under a standard normal prior is (Eq. 7)

    L = sum_k 1/2 ||z'_k||^2 - (log|det J_parallel| + log|det J_fusion|).

The parallel flows are FrEIA ``AllInOneBlock`` stacks (as in the official code). FrEIA has no
coupling that mixes several tensors of different resolutions, so the fusion coupling is written
here.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import FrEIA.framework as Ff
import FrEIA.modules as Fm
import torch
import torch.nn.functional as F
from torch import nn


def positional_encoding_2d(channels: int, height: int, width: int) -> torch.Tensor:
    """Sinusoidal 2-D positional encoding of shape (channels, height, width).

    The first ``channels / 2`` channels encode the column x, the rest the row y. With
    D = channels / 2 and frequencies w_i = 10000^(-2i / D), i = 0 .. D/2 - 1, channel 2i holds
    sin(x w_i) and channel 2i + 1 holds cos(x w_i) (and likewise for y at offset D).
    """
    if channels % 4:
        raise ValueError(f'the 2-D sin/cos encoding needs channels divisible by 4, got {channels}')
    half = channels // 2
    freqs = torch.exp(torch.arange(0, half, 2, dtype=torch.float32) * (-math.log(1e4) / half))
    x = torch.arange(width, dtype=torch.float32)[:, None] * freqs  # (W, D/2)
    y = torch.arange(height, dtype=torch.float32)[:, None] * freqs  # (H, D/2)
    enc = torch.empty(channels, height, width)
    enc[0:half:2] = torch.sin(x).T[:, None, :].expand(-1, height, -1)
    enc[1:half:2] = torch.cos(x).T[:, None, :].expand(-1, height, -1)
    enc[half::2] = torch.sin(y).T[:, :, None].expand(-1, -1, width)
    enc[half + 1::2] = torch.cos(y).T[:, :, None].expand(-1, -1, width)
    return enc


class ConvLNSubnet(nn.Module):
    """Coupling subnet of the parallel flows: Conv3x3 -> LayerNorm(channels) -> ReLU -> Conv3x3.

    The hidden width equals the input width (``c_in``), as in the paper's implementation.
    """

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_in = nn.Conv2d(c_in, c_in, 3, padding=1)
        self.norm = nn.LayerNorm(c_in)
        self.conv_out = nn.Conv2d(c_in, c_out, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv_in(x)
        h = self.norm(h.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.conv_out(F.relu(h))


class PermAllInOneBlock(Fm.AllInOneBlock):
    """FrEIA's ``AllInOneBlock`` with an optional fast fixed permutation (same state dict).

    FrEIA applies the block's hard random channel permutation as a dense C x C 1x1
    convolution with the one-hot matrix ``w_perm``. With ``index_permute = True`` the same
    permutation is an index gather along channels (``out[:, o] = x[:, argmax_j w_perm[o, j]]``),
    bit-identical and O(C) instead of O(C^2) per pixel. The index is re-derived when
    ``w_perm`` changes (e.g. a checkpoint is loaded); a ``w_perm`` that is not a 0/1
    permutation matrix falls back to the convolution. A channels-last input stays
    channels-last.
    """

    index_permute: bool = False

    def _perm_index(self, rev: bool) -> torch.Tensor | None:
        w = self.w_perm_inv if rev else self.w_perm
        key = (rev, w.data_ptr(), w._version, w.device)
        cache = self.__dict__.setdefault('_perm_cache', {})
        if cache.get(rev, (None,))[0] != key:
            m = w.detach().reshape(w.shape[0], w.shape[1])
            idx = m.argmax(dim=1)
            exact = bool((m.sum() == m.shape[0]) and (m.gather(1, idx[:, None]) == 1).all()
                         and torch.equal(idx.sort().values, torch.arange(len(idx),
                                                                         device=idx.device)))
            cache[rev] = (key, idx if exact else None)
        return cache[rev][1]

    def _gather(self, x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) \
                and not x.is_contiguous():
            return x.permute(0, 2, 3, 1).index_select(3, idx).permute(0, 3, 1, 2)
        return x.index_select(1, idx)

    def _permute(self, x, rev=False):
        idx = None
        if self.index_permute and not self.GIN and self.w_perm is not None \
                and not self.householder:
            idx = self._perm_index(rev)
        if idx is None:
            return super()._permute(x, rev)
        scale = self.global_scale_activation(self.global_scale)
        perm_log_jac = torch.sum(torch.log(scale))
        if rev:
            return (self._gather(x, idx) - self.global_offset) / scale, perm_log_jac
        return self._gather(x * scale + self.global_offset, idx), perm_log_jac


def build_parallel_flow(channels: int, cond_channels: int, num_blocks: int,
                        clamp_alpha: float) -> Ff.SequenceINN:
    """One parallel flow f_k: ``num_blocks`` FrEIA AllInOneBlocks conditioned on c_k.

    Dimensions are declared as (C, 1, 1) so that the same flow runs on any H x W (the blocks
    are fully convolutional and FrEIA scales the global-affine log-det by the pixel count).
    Each block: affine coupling with soft clamp ``clamp_alpha`` (tanh), SOFTPLUS global affine
    (init 1.0), a fixed random hard permutation, no GIN. The blocks are
    :class:`PermAllInOneBlock` (FrEIA's block; its fast permutation is off until
    ``MSFlow(fast_path=True)`` switches it on).
    """
    flow = Ff.SequenceINN(channels, 1, 1)
    for _ in range(num_blocks):
        flow.append(PermAllInOneBlock, cond=0, cond_shape=(cond_channels, 1, 1),
                    subnet_constructor=ConvLNSubnet, affine_clamping=clamp_alpha,
                    global_affine_type='SOFTPLUS')
    return flow


class FusionSubnet(nn.Module):
    """Cross-scale subnet F of the fusion coupling (Sec. III-C).

    Input: one tensor per scale, u_k with ``in_channels[k]`` channels. All are average-pooled
    to the coarsest resolution, concatenated (Sigma channels) and mixed by
    Conv3x3(Sigma -> Sigma/4) -> LayerNorm -> ReLU -> Conv3x3(Sigma/4 -> Sigma) -> ReLU. The
    mixture is split back per scale, up-sampled bilinearly (align_corners=True) to each scale's
    size and added to u_k; per-scale Conv3x3 heads then give the log-scale s_k and shift t_k,
    each with ``out_channels[k]`` channels.
    """

    def __init__(self, in_channels: Sequence[int], out_channels: Sequence[int]):
        super().__init__()
        total = sum(in_channels)
        self.in_channels = list(in_channels)
        self.mix_in = nn.Conv2d(total, total // 4, 3, padding=1)
        self.norm = nn.LayerNorm(total // 4)
        self.mix_out = nn.Conv2d(total // 4, total, 3, padding=1)
        self.scale_heads = nn.ModuleList(
            nn.Conv2d(ci, co, 3, padding=1) for ci, co in zip(in_channels, out_channels))
        self.shift_heads = nn.ModuleList(
            nn.Conv2d(ci, co, 3, padding=1) for ci, co in zip(in_channels, out_channels))

    def forward(self, us: Sequence[torch.Tensor]) -> tuple[list, list]:
        coarsest = us[-1].shape[-2:]
        h = torch.cat([F.adaptive_avg_pool2d(u, coarsest) for u in us], dim=1)
        h = self.mix_in(h)
        h = F.relu(self.norm(h.permute(0, 2, 3, 1)).permute(0, 3, 1, 2))
        h = F.relu(self.mix_out(h))
        mixed = [u + F.interpolate(m, size=u.shape[-2:], mode='bilinear', align_corners=True)
                 for u, m in zip(us, torch.split(h, self.in_channels, dim=1))]
        s = [head(m) for head, m in zip(self.scale_heads, mixed)]
        t = [head(m) for head, m in zip(self.shift_heads, mixed)]
        return s, t


class FusionCoupling(nn.Module):
    """The joint affine coupling over all scales (Eq. 5-6 of the paper).

    Each z_k is split along channels into a_k (floor(C_k/2) channels) and b_k (the rest):

        (s, t)   = F_b({b_k});   a'_k = exp(phi(s_k))  * a_k + t_k
        (s', t') = F_a({a'_k});  b'_k = exp(phi(s'_k)) * b_k + t'_k

    with the soft clamp phi(s) = alpha * 0.636 * atan(s / alpha) (0.636 ~ 2/pi, so |phi| < alpha).
    The outputs cat(a'_k, b'_k) are clamped to +-1e6 and
    log|det J| = sum_k sum(phi(s_k)) + sum(phi(s'_k)), one scalar per image.
    """

    def __init__(self, channels: Sequence[int], clamp_alpha: float = 1.9,
                 out_clamp: float = 1e6):
        super().__init__()
        self.a_channels = [c // 2 for c in channels]
        self.b_channels = [c - c // 2 for c in channels]
        self.clamp_alpha = clamp_alpha
        self.out_clamp = out_clamp
        self.net_b2a = FusionSubnet(self.b_channels, self.a_channels)  # F_b: {b} -> (s, t)
        self.net_a2b = FusionSubnet(self.a_channels, self.b_channels)  # F_a: {a'} -> (s', t')

    def soft_clamp(self, s: torch.Tensor) -> torch.Tensor:
        """phi(s) = alpha * 0.636 * atan(s / alpha); the identity when alpha <= 0."""
        if self.clamp_alpha <= 0:
            return s
        return self.clamp_alpha * 0.636 * torch.atan(s / self.clamp_alpha)

    def _split(self, zs):
        parts = [torch.split(z, [ca, cb], dim=1)
                 for z, ca, cb in zip(zs, self.a_channels, self.b_channels)]
        return [p[0] for p in parts], [p[1] for p in parts]

    def forward(self, zs: Sequence[torch.Tensor]) -> tuple[list, torch.Tensor]:
        a, b = self._split(zs)
        s, t = self.net_b2a(b)
        log_s = [self.soft_clamp(x) for x in s]
        a_new = [torch.exp(ls) * ak + tk for ls, ak, tk in zip(log_s, a, t)]
        s2, t2 = self.net_a2b(a_new)
        log_s2 = [self.soft_clamp(x) for x in s2]
        b_new = [torch.exp(ls) * bk + tk for ls, bk, tk in zip(log_s2, b, t2)]
        out = [torch.clamp(torch.cat([ak, bk], dim=1), -self.out_clamp, self.out_clamp)
               for ak, bk in zip(a_new, b_new)]
        logdet = sum(x.sum(dim=(1, 2, 3)) for x in log_s + log_s2)
        return out, logdet

    def inverse(self, zs: Sequence[torch.Tensor]) -> list:
        """Exact inverse of :meth:`forward` (inside the output clamp)."""
        a_new, b_new = self._split(zs)
        s2, t2 = self.net_a2b(a_new)
        b = [(bk - tk) * torch.exp(-self.soft_clamp(x)) for bk, tk, x in zip(b_new, t2, s2)]
        s, t = self.net_b2a(b)
        a = [(ak - tk) * torch.exp(-self.soft_clamp(x)) for ak, tk, x in zip(a_new, t, s)]
        return [torch.cat([ak, bk], dim=1) for ak, bk in zip(a, b)]


class FusionFlow(nn.Module):
    """Fusion flow: a fixed random channel permutation per scale (FrEIA ``PermuteRandom``),
    then one :class:`FusionCoupling` over all scales. Permutations have unit Jacobian."""

    def __init__(self, channels: Sequence[int], clamp_alpha: float = 1.9):
        super().__init__()
        self.permutations = nn.ModuleList(Fm.PermuteRandom([(c, 1, 1)]) for c in channels)
        self.coupling = FusionCoupling(channels, clamp_alpha)

    def forward(self, zs: Sequence[torch.Tensor]) -> tuple[list, torch.Tensor]:
        zs = [perm([z])[0][0] for perm, z in zip(self.permutations, zs)]
        return self.coupling(zs)

    def inverse(self, zs: Sequence[torch.Tensor]) -> list:
        zs = self.coupling.inverse(zs)
        return [perm([z], rev=True)[0][0] for perm, z in zip(self.permutations, zs)]
