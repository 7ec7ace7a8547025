"""STTS token selection networks (Wang et al., ECCV 2022, Sec. 3.2-3.3).

Notation: a video is a grid of ``T x N`` tokens of ``C`` channels (``N = H x W`` spatial
tokens per temporal slice). STTS makes two decisions with lightweight scorer networks:

Perturbed top-K defaults (``num_samples``, ``topk_grad``, ``sigma``) come from
:mod:`cvshared.ops.topk` (documented there once).

* **Temporal selection** ("T^l_r": before block/stage ``l`` keep ``K = int(T r)`` of the ``T``
  temporal slices). Each slice is described by ``[mean_N(x), max_N(x)]`` (``2C`` channels); the
  scorer gives one score per slice; scores are min-max normalised per video and the top-``K``
  slices are kept **in temporal order**.
* **Spatial selection** ("S^l_r": before block ``l`` keep an anchor covering about ``r`` of the
  ``N`` tokens). For each temporal slice the scorer gives a score per token; candidate anchors
  are ``a x a`` windows with ``a = int(sqrt(int(N r)))`` and stride ``s = max((H - a) // 2, 1)``
  (4 anchors on a 14 x 14 grid); an anchor's score is the mean of its tokens' scores (min-max
  normalised) and the top-1 anchor per slice is kept.

In training the top-K is the perturbed-maximum top-K of :mod:`cvshared.ops.topk` (soft
indicator, tokens are the indicator-weighted sums of the candidates); at inference it is the hard
top-K followed by a gather. ``sigma`` is passed at call time (it follows the schedule of
:class:`stts.hooks.SigmaDecayHook`).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from cvshared.ops.topk import (
    DEFAULT_GRAD,
    DEFAULT_NUM_SAMPLES,
    DEFAULT_SIGMA,
    gather_by_indicator,
    gather_by_indices,
    hard_topk_indices,
    perturbed_topk,
)
from mmaction.registry import MODELS
from torch import Tensor, nn


class SelectionTracker:
    """What the hard (eval) selection of one forward kept, in the clip's terms.

    ``slices`` (B, K): indices of the kept temporal token slices among the ``num_slices`` of the
    clip (in temporal order); ``boxes`` (B, K, 4) or None: the kept spatial window of each kept
    slice as (y0, x0, y1, x1) fractions of the frame; ``frames_per_slice``: frames per slice
    (the temporal patch size). Backbones update it after each selector in eval mode.
    """

    def __init__(self, batch: int, num_slices: int, frames_per_slice: int, device):
        self.num_slices, self.frames_per_slice = num_slices, frames_per_slice
        self.slices = torch.arange(num_slices, device=device).expand(batch, -1)
        self.boxes = None

    def temporal(self, indices: Tensor) -> None:
        self.slices = torch.gather(self.slices, 1, indices)
        if self.boxes is not None:
            self.boxes = torch.gather(self.boxes, 1, indices[..., None].expand(-1, -1, 4))

    def spatial(self, box: Tensor) -> None:
        if self.boxes is None:
            self.boxes = box
            return
        y0, x0, y1, x1 = self.boxes.unbind(-1)  # nest the new window inside the previous one
        hh, ww = y1 - y0, x1 - x0
        self.boxes = torch.stack([y0 + box[..., 0] * hh, x0 + box[..., 1] * ww,
                                  y0 + box[..., 2] * hh, x0 + box[..., 3] * ww], -1)

    def as_dict(self) -> dict:
        return dict(slices=self.slices, boxes=self.boxes, num_slices=self.num_slices,
                    frames_per_slice=self.frames_per_slice)


def min_max_norm(s: Tensor, eps: float = 1e-5) -> Tensor:
    """Per-row ``(s - min) / (max - min + eps)`` of scores ``(B, d)``."""
    lo = s.min(dim=-1, keepdim=True).values
    hi = s.max(dim=-1, keepdim=True).values
    return (s - lo) / (hi - lo + eps)


@MODELS.register_module()
class STTSScorePredictor(nn.Module):
    """Scorer network: one score per token from local and global (mean) features.

    ``LN -> Linear(D, D) -> GELU``; the first half of the channels stays per token, the second half
    is averaged over the tokens of the set and broadcast; then
    ``Linear(D, D/2) -> GELU -> Linear(D/2, D/4) -> GELU -> Linear(D/4, 1)``.
    Input ``(B, L, D)``, output ``(B, L)``.
    """

    def __init__(self, embed_dims: int):
        super().__init__()
        if embed_dims % 4:
            raise ValueError(f'STTS scorer needs embed_dims divisible by 4; got {embed_dims}.')
        self.in_conv = nn.Sequential(nn.LayerNorm(embed_dims), nn.Linear(embed_dims, embed_dims),
                                     nn.GELU())
        self.out_conv = nn.Sequential(
            nn.Linear(embed_dims, embed_dims // 2), nn.GELU(),
            nn.Linear(embed_dims // 2, embed_dims // 4), nn.GELU(),
            nn.Linear(embed_dims // 4, 1))

    def forward(self, x: Tensor) -> Tensor:
        x = self.in_conv(x)
        half = x.shape[-1] // 2
        local, glob = x[..., :half], x[..., half:].mean(dim=1, keepdim=True)
        x = torch.cat([local, glob.expand_as(x[..., half:])], dim=-1)
        return self.out_conv(x).squeeze(-1)


class _Selector(nn.Module):

    def __init__(self, num_samples: int, topk_grad: str):
        super().__init__()
        self.num_samples = num_samples
        self.topk_grad = topk_grad

    def _soft(self, scores: Tensor, k: int, sigma: float) -> Tensor:
        return perturbed_topk(scores, k, self.num_samples, sigma, grad=self.topk_grad)


@MODELS.register_module()
class STTSTemporalSelector(_Selector):
    """Keep ``k`` of the ``T`` temporal slices of tokens ``(B, T, N, C)`` -> ``(B, k, N, C)``.

    Args:
        in_channels: Token channels ``C`` (the scorer sees ``2C``: mean and max over ``N``).
        k: Number of kept slices ``K``.
        num_samples: Monte-Carlo samples of the perturbed top-K (500 in STTS).
        topk_grad: ``'diag'`` (the STTS estimator) or ``'full'`` (see :mod:`cvshared.ops.topk`).
    """

    def __init__(self, in_channels: int, k: int, num_samples: int = DEFAULT_NUM_SAMPLES,
                 topk_grad: str = DEFAULT_GRAD):
        super().__init__(num_samples, topk_grad)
        self.k = k
        self.predictor = STTSScorePredictor(2 * in_channels)

    def scores(self, x: Tensor) -> Tensor:
        desc = torch.cat([x.mean(dim=2), x.amax(dim=2)], dim=-1)  # (B, T, 2C)
        return min_max_norm(self.predictor(desc))

    def forward(self, x: Tensor, sigma: float = DEFAULT_SIGMA) -> Tensor:
        b, t, n, c = x.shape
        if self.k > t:
            raise ValueError(f'temporal selection keeps k={self.k} of T={t} slices: the clip is '
                             'shorter than the config assumes (check num_frames / clip_len).')
        s = self.scores(x)
        if self.training:
            out = gather_by_indicator(x, self._soft(s, self.k, sigma))
        else:
            idx = hard_topk_indices(s, self.k)
            self.last_indices = idx.detach()  # (B, K) kept slices, for the visualization
            out = gather_by_indices(x, idx)
        return out

    def extra_repr(self) -> str:
        return f'k={self.k}, num_samples={self.num_samples}, topk_grad={self.topk_grad}'


@MODELS.register_module()
class STTSSpatialSelector(_Selector):
    """Keep one ``a x a`` anchor per temporal slice: ``(B, T, H, W, C)`` -> ``(B, T, a, a, C)``.

    Args:
        in_channels: Token channels ``C``.
        k: Target number of kept tokens per slice, ``int(N r)``; the anchor side is
            ``a = int(sqrt(k))``.
        stride: Anchor stride; default ``max((H - a) // 2, 1)`` as in STTS.
    """

    def __init__(self, in_channels: int, k: int, stride: int | None = None,
                 num_samples: int = DEFAULT_NUM_SAMPLES, topk_grad: str = DEFAULT_GRAD):
        super().__init__(num_samples, topk_grad)
        self.k = k
        self.anchor_size = int(math.sqrt(k))
        self.stride = stride
        self.predictor = STTSScorePredictor(in_channels)

    def anchor_grid(self, h: int, w: int) -> tuple[int, int, int]:
        """Anchor side ``a``, stride ``s`` and number of anchors per row for an ``h x w`` grid."""
        a, h, w = self.anchor_size, int(h), int(w)  # ints also under jit tracing (fvcore)
        if h != w:
            raise ValueError(f'STTS spatial anchors assume a square token grid; got {h}x{w}.')
        if a > h:
            raise ValueError(f'anchor side {a} exceeds the token grid {h}x{w} (k={self.k}).')
        s = self.stride if self.stride is not None else max((h - a) // 2, 1)
        return a, s, (w - a) // s + 1

    def scores(self, x: Tensor) -> Tensor:
        """Anchor scores ``(B T, L)``: mean token score inside each anchor, min-max normalised."""
        b, t, h, w, c = x.shape
        a, s, _ = self.anchor_grid(h, w)
        tok = self.predictor(x.reshape(b * t, h * w, c)).view(b * t, 1, h, w)
        return min_max_norm(F.unfold(tok, kernel_size=a, stride=s).mean(dim=1))

    def forward(self, x: Tensor, sigma: float = DEFAULT_SIGMA) -> Tensor:
        b, t, h, w, c = x.shape
        a, s, per_row = self.anchor_grid(h, w)
        scores = self.scores(x)
        if self.training:
            # every anchor's tokens as one candidate: (B T, L, a a C), weighted by the indicator
            cand = F.unfold(x.reshape(b * t, h, w, c).permute(0, 3, 1, 2), kernel_size=a,
                            stride=s)  # (B T, C a a, L)
            cand = cand.transpose(1, 2)
            sel = gather_by_indicator(cand, self._soft(scores, 1, sigma))[:, 0]
            return sel.view(b, t, c, a, a).permute(0, 1, 3, 4, 2)
        # inference: slice the chosen window directly (same values as the unfold + gather)
        idx = hard_topk_indices(scores, 1)[:, 0]
        row, col = (idx // per_row) * s, (idx % per_row) * s
        # kept window per slice as (y0, x0, y1, x1) fractions of the token grid (visualization)
        self.last_box = (torch.stack([row, col, row + a, col + a], -1).view(b, t, 4).float()
                         / torch.tensor([h, w, h, w], device=x.device, dtype=torch.float32))
        ar = torch.arange(a, device=x.device)
        rows = (row[:, None] + ar)[:, :, None].expand(-1, a, a)
        cols = (col[:, None] + ar)[:, None, :].expand(-1, a, a)
        frames = torch.arange(b * t, device=x.device)[:, None, None]
        return x.reshape(b * t, h, w, c)[frames, rows, cols].view(b, t, a, a, c)

    def extra_repr(self) -> str:
        return (f'k={self.k}, anchor_size={self.anchor_size}, stride={self.stride}, '
                f'num_samples={self.num_samples}, topk_grad={self.topk_grad}')
