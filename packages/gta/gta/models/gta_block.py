"""Global Temporal Attention (GTA) as a backbone plug-in (He, Yang, Wu, Chen, Lim &
Shrivastava, arXiv 2012.08510).

No official code exists and the method section of the paper could not be read (README,
"Official code"), so this module implements the sentences of the abstract (v1 and v3), and
every detail they leave open is a choice of ours, marked "(ours)" here and listed in the README:

[A1] "GTA performs global temporal attention on top of spatial attention in a decoupled
     manner" (v3): first self-attention among the positions of ONE frame, then attention along
     time, never the flattened T*H*W attention of a non-local block.
[A2] "Unlike conventional self-attention that computes an instance-specific attention matrix,
     GTA directly learns a global attention matrix that is intended to encode temporal
     structures that generalize across different samples" (v3); "GTA randomly initializes a
     global attention matrix" (v1): the temporal attention is a learned parameter
     ``A in R^{T x T}``, the same for every clip and every position.
[A3] "We further augment GTA with a cross-channel multi-head fashion to exploit channel
     interactions for better temporal modeling" (v3): ``M`` heads, each with its own ``A_m``;
     the values of head ``m`` are a linear projection of ALL channels (not a slice).
[A4] "We apply GTA on both pixels and semantically similar regions" (v3), "regions identified
     automatically by a learned transformation matrix" (v1): a pixel level and a region level.

Notation (equation numbers are this package's, G1-G6; the paper's could not be read). ``x``:
features of one clip, ``T`` frames of ``P = H * W`` positions, ``C`` channels; ``x_t``: the
``C x P`` matrix of frame ``t``.

(G1) spatial attention within frame ``t`` (embedded Gaussian, as mmcv's ``NonLocal3d``, ours):
     ``S_t = softmax_q( (W_theta x_t)^T (W_phi x_t) / sqrt(C_i) )`` (``P x P``, row-wise over
     keys ``q``), ``y_t = (W_g x_t) S_t^T`` (``C_i x P``).
(G2) cross-channel heads: ``v_{m,t} = W_m y_t`` (``d x P``, ``W_m`` is ``d x C_i``: every
     channel of ``y`` enters every head), ``m = 1..M``.
(G3) global temporal attention, shared by all clips and positions: ``A_m = softmax_s(L_m)``
     (``T x T`` from learned logits ``L_m``, randomly initialised; ``normalize='none'``: ``A_m``
     is the parameter itself), ``z_{m,t} = sum_s A_m[t, s] v_{m,s}``.
(G4) output: ``out = x + BN(W_o [z_1; ...; z_M])`` (``W_o`` is ``C x M d``; BN's scale starts
     at 0, as mmaction2's non-local blocks start at the identity, so a pretrained backbone is
     unchanged at initialisation).
(G5) regions (ours, from [A4]): logits ``G = W_r x_t`` (``R x P``, the learned transformation);
     region features ``x^R_t = x_t softmax_p(G)^T`` (``C x R``: each region a convex
     combination of pixels), (G1)-(G3) on the ``R`` regions of each frame (region ``r`` of frame
     ``t`` meets region ``r`` of frame ``s`` in (G3): the transformation is the same for every
     frame), then scattered back to the pixels with the memberships ``softmax_r(G)``:
     ``z^P = z^R softmax_r(G)`` (``M d x P``).
(G6) both levels: ``out = x + BN_pix(W_o^pix z^pix) + BN_reg(W_o^reg z^reg)``.

Checked by ``tests/test_gta_block.py``: ``A = I`` leaves the spatial attention of each frame
alone (equal to mmcv's ``NonLocal3d`` on single frames), ``A = 1/T`` gives the temporal mean,
permuting the frames together with the rows and columns of ``A`` permutes the output, an einsum
re-derivation, float64 gradcheck; ``tests/test_golden.py``: a loop re-derivation of every
equation and the plain mmaction2 backbone at initialisation.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from ..registry import MODELS

__all__ = ['GTACore', 'GTABlock']

_LEVELS = ('pixel', 'region')


class GTACore(nn.Module):
    """(G1)-(G3) on tokens: ``(N * T, C, P) -> (N * T, M * d, P)``.

    Args:
        in_channels: ``C``.
        inter_channels: ``C_i`` of (G1).
        num_segments: ``T``, the size of the learned ``A`` (the clip length at this stage).
        num_heads: ``M``.
        head_channels: ``d`` (default ``C_i // M``).
        head_mixing: ``'cross'`` ((G2), the paper's cross-channel heads) or ``'split'`` (head
            ``m`` reads channels ``m d .. (m + 1) d - 1`` of ``y``: the plain multi-head
            baseline of [A3], for ablations; needs ``M d = C_i``).
        normalize: ``'softmax'`` (G3, ours) or ``'none'`` (``A`` unconstrained).
        init_std: std of the random initial logits ``L`` (v1: "randomly initializes").
        use_scale: divide (G1)'s logits by ``sqrt(C_i)``.
    """

    def __init__(self, in_channels: int, inter_channels: int, num_segments: int,
                 num_heads: int = 8, head_channels: int | None = None,
                 head_mixing: str = 'cross', normalize: str = 'softmax',
                 init_std: float = 1.0, use_scale: bool = True):
        super().__init__()
        if head_mixing not in ('cross', 'split'):
            raise ValueError(f"head_mixing must be 'cross' or 'split', got {head_mixing!r}")
        if normalize not in ('softmax', 'none'):
            raise ValueError(f"normalize must be 'softmax' or 'none', got {normalize!r}")
        head_channels = head_channels or max(inter_channels // num_heads, 1)
        if head_mixing == 'split' and head_channels * num_heads != inter_channels:
            raise ValueError(f"head_mixing='split' slices y into {num_heads} heads of "
                             f'{head_channels} channels, which needs inter_channels = '
                             f'{num_heads * head_channels}, got {inter_channels}')
        self.in_channels, self.inter_channels = in_channels, inter_channels
        self.num_segments, self.num_heads, self.head_channels = \
            num_segments, num_heads, head_channels
        self.head_mixing, self.normalize, self.use_scale = head_mixing, normalize, use_scale
        self.init_std = init_std
        self.theta = nn.Conv1d(in_channels, inter_channels, 1)
        self.phi = nn.Conv1d(in_channels, inter_channels, 1)
        self.g = nn.Conv1d(in_channels, inter_channels, 1)
        self.heads = (nn.Conv1d(inter_channels, num_heads * head_channels, 1, bias=False)
                      if head_mixing == 'cross' else None)
        # L (softmax) or A itself (none): (M, T, T)
        self.temporal = nn.Parameter(torch.empty(num_heads, num_segments, num_segments))
        self.reset_parameters()

    @property
    def out_channels(self) -> int:
        return self.num_heads * self.head_channels

    def reset_parameters(self) -> None:
        for conv in (self.theta, self.phi, self.g):  # mmcv NonLocal3d's init: normal std 0.01
            nn.init.normal_(conv.weight, 0, 0.01)
            nn.init.zeros_(conv.bias)
        if self.heads is not None:
            nn.init.kaiming_normal_(self.heads.weight, mode='fan_in', nonlinearity='linear')
        with torch.no_grad():
            self.temporal.normal_(0, self.init_std)
            if self.normalize == 'none':  # start from the same row-stochastic A
                self.temporal.copy_(self.temporal.softmax(-1))

    def attention(self) -> torch.Tensor:
        """The global temporal attention ``A`` (G3), ``(M, T, T)``; row ``t`` weights the
        frames ``s`` that frame ``t`` reads."""
        return self.temporal.softmax(-1) if self.normalize == 'softmax' else self.temporal

    def spatial(self, x: torch.Tensor) -> torch.Tensor:
        """(G1): ``(B, C, P) -> (B, C_i, P)``, attention among the ``P`` tokens of each frame."""
        theta, phi, g = self.theta(x), self.phi(x), self.g(x)
        logits = torch.bmm(theta.transpose(1, 2), phi)  # (B, P, P): query p, key q
        if self.use_scale:
            logits = logits / self.inter_channels ** 0.5
        return torch.bmm(g, logits.softmax(-1).transpose(1, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, p = x.shape
        t = self.num_segments
        n = b // t
        y = self.spatial(x)
        v = self.heads(y) if self.heads is not None else y  # (G2)
        v = v.view(n, t, self.num_heads, self.head_channels, p)
        z = torch.einsum('mts,nsmdp->ntmdp', self.attention(), v)  # (G3)
        return z.reshape(b, self.out_channels, p)


@MODELS.register_module()
class GTABlock(BaseModule):
    """The GTA block, (G1)-(G6) of the module docstring, residual; for 2D backbones (input
    ``(N * T, C, H, W)``, frames of ``N`` clips in mmaction2's order) and 3D backbones
    (``(N, C, T, H, W)``). Insert it with ``cvshared.video.stage_blocks`` (2D: ResNet-TSM) or
    :class:`cvshared.video.stage_blocks.ResNet3dWithBlocks` (I3D):
    ``dict(stage='layer2', position=0, block=dict(type='GTABlock', in_channels=512))``.

    Args:
        in_channels: ``C``.
        num_segments: ``T``: the frames per clip AT THIS STAGE (2D: the backbone's segments,
            passed by ``stage_blocks``; 3D: the clip length divided by the temporal strides
            before the stage). The learned ``A`` is ``T x T``: another ``T`` is an error.
        levels: ``('pixel',)``, ``('region',)`` or both (G6).
        reduction: ``C_i = C // reduction`` (default 2, as mmaction2's non-local blocks).
        num_heads, head_channels, head_mixing, normalize, init_std, use_scale: of
            :class:`GTACore` (the same for both levels).
        num_regions: ``R`` of (G5).
        zero_init: BN scales of (G4) start at 0 (the block is the identity at initialisation).
    """

    def __init__(self, in_channels: int, num_segments: int,
                 levels: Sequence[str] = ('pixel', 'region'), reduction: int = 2,
                 num_heads: int = 8, head_channels: int | None = None,
                 head_mixing: str = 'cross', normalize: str = 'softmax',
                 init_std: float = 1.0, use_scale: bool = True, num_regions: int = 16,
                 zero_init: bool = True, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        levels = tuple(levels)
        if not levels or any(lv not in _LEVELS for lv in levels) or len(set(levels)) < len(levels):
            raise ValueError(f'levels must be a non-empty subset of {_LEVELS}, got {levels!r}')
        if num_segments < 1:
            raise ValueError(f'num_segments must be >= 1, got {num_segments}')
        self.in_channels, self.num_segments, self.levels = in_channels, num_segments, levels
        self.zero_init = zero_init
        inter = max(in_channels // reduction, 1)
        core = dict(in_channels=in_channels, inter_channels=inter, num_segments=num_segments,
                    num_heads=num_heads, head_channels=head_channels, head_mixing=head_mixing,
                    normalize=normalize, init_std=init_std, use_scale=use_scale)
        self.cores, self.out_convs, self.norms = nn.ModuleDict(), nn.ModuleDict(), \
            nn.ModuleDict()
        for level in levels:
            self.cores[level] = GTACore(**core)
            self.out_convs[level] = nn.Conv1d(self.cores[level].out_channels, in_channels, 1,
                                              bias=False)
            self.norms[level] = nn.BatchNorm1d(in_channels)
        self.group = nn.Conv1d(in_channels, num_regions, 1) if 'region' in levels else None
        self.num_regions = num_regions
        self._reset()

    def _reset(self) -> None:
        for level in self.levels:
            nn.init.kaiming_normal_(self.out_convs[level].weight, mode='fan_in',
                                    nonlinearity='linear')
            nn.init.constant_(self.norms[level].weight, 0.0 if self.zero_init else 1.0)
            nn.init.zeros_(self.norms[level].bias)
        if self.group is not None:
            nn.init.normal_(self.group.weight, 0, 0.01)
            nn.init.zeros_(self.group.bias)

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            for core in self.cores.values():
                core.reset_parameters()
            self._reset()

    def attention(self, level: str = 'pixel') -> torch.Tensor:
        """``A`` of ``level`` (G3): ``(M, T, T)``."""
        return self.cores[level].attention()

    def regions(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(G5)'s pooling ``softmax_p(G)`` and membership ``softmax_r(G)``, each
        ``(B, R, P)``, for tokens ``(B, C, P)``."""
        logits = self.group(tokens)
        return logits.softmax(-1), logits.softmax(1)

    def _tokens(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple]:
        t = self.num_segments
        if x.dim() == 5:  # (N, C, T, H, W)
            n, c, tt, h, w = x.shape
            if tt != t:
                raise ValueError(
                    f'GTABlock: its global temporal attention is a learned {t} x {t} matrix '
                    f'(num_segments={t} frames at this stage), but the input has T = {tt} '
                    f'frames {tuple(x.shape)}: the model is tied to its clip length; test with '
                    f'the clip length it was trained with, or build the block with '
                    f'num_segments={tt} (and train it again)')
            return x.permute(0, 2, 1, 3, 4).reshape(n * t, c, h * w), ('3d', n, c, h, w)
        if x.dim() != 4:
            raise ValueError(f'GTABlock expects (N * T, C, H, W) or (N, C, T, H, W), got '
                             f'{tuple(x.shape)}')
        b, c, h, w = x.shape
        if b % t:
            raise ValueError(
                f'GTABlock: {b} frames are not a whole number of clips of num_segments={t} '
                f'(its learned {t} x {t} temporal attention fixes the clip length): sample {t} '
                f'segments per clip, or build the model with the clip length used')
        return x.reshape(b, c, h * w), ('2d', b // t, c, h, w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] != self.in_channels:
            raise ValueError(f'GTABlock built for {self.in_channels} channels, got input '
                             f'{tuple(x.shape)}: set in_channels to the stage width')
        tokens, (kind, n, c, h, w) = self._tokens(x)
        out = tokens
        for level in self.levels:
            if level == 'pixel':
                z = self.cores[level](tokens)
            else:
                pool, member = self.regions(tokens)
                region_tokens = torch.bmm(tokens, pool.transpose(1, 2))  # (B, C, R)
                z = torch.bmm(self.cores[level](region_tokens), member)  # back to pixels
            out = out + self.norms[level](self.out_convs[level](z))
        if kind == '2d':
            return out.view(x.shape)
        return out.view(n, self.num_segments, c, h, w).permute(0, 2, 1, 3, 4).contiguous()


def temporal_mean_attention(num_heads: int, num_segments: int) -> torch.Tensor:
    """``A = (1 / T) 1`` for every head (a test helper, also usable to initialise)."""
    return torch.full((num_heads, num_segments, num_segments), 1.0 / num_segments)


def set_attention(core: GTACore, attention: torch.Tensor) -> None:
    """Make ``core.attention()`` equal ``attention`` ``(M, T, T)``: the parameter itself with
    ``normalize='none'``; with ``'softmax'`` its log (rows must be positive and sum to 1)."""
    with torch.no_grad():
        if core.normalize == 'none':
            core.temporal.copy_(attention)
        else:
            if (attention <= 0).any() or not torch.allclose(attention.sum(-1),
                                                            torch.ones(()).to(attention)):
                raise ValueError('a softmax-normalised A has positive rows summing to 1')
            core.temporal.copy_(attention.log())

