"""The collaborative memory block (Yang et al., "Beyond Short Clips: End-to-End Video-Level
Learning with Collaborative Memories", CVPR 2021, arXiv 2104.01198).

The paper's method section could not be read (only the abstract, the introduction's opening and
the Fig. 2 caption: README, "Official code"), so the equation numbers (M1)-(M5) are THIS
package's. What each one takes from the paper and what is ours:

For the ``N`` clips ``X_1 .. X_N`` (each ``d x l x h x w`` at the chosen backbone stage) of one
video:

(M1) ``p_i = GAP(X_i)``: a d-vector per clip ("GAP denotes global average pooling", Fig. 2).
(M2) ``M = [p_1; ...; p_N]``: the collaborative memory, written by and shared with all clips of
     the video ("a collaborative memory mechanism that encodes information across multiple
     sampled clips of a video", abstract).
(M3) ``q_i = W_q p_i + b_q``, ``k_j = W_k p_j``, ``v_j = W_v p_j + b_v`` (ours: linear query /
     key / value maps of width ``mem_channels``; no key bias: ``q_i . b_k`` is the same for
     every entry ``j`` and cancels in the softmax of (M4)).
(M4) ``a_ij = softmax_j(q_i . k_j / tau)``, ``m_i = sum_j a_ij v_j``: the clip-specific
     associative memory, read by the clip's own query (Fig. 2: "associative memory", matrix
     products; the softmax and ``tau = sqrt(mem_channels)`` are ours).
(M5) ``g_i = s * sigmoid(W_g m_i + b_g)`` (a d-vector), ``Y_i = g_i (.) X_i``, broadcast over
     ``l x h x w``: feature gating ("a feature gating operation that infuses clip-specific
     memories into individual clip-based representations, recalibrating feature strengths";
     Fig. 2's elementwise product). ``s = gate_scale``: ours. With the default ``s = 2`` and
     ``W_g = 0, b_g = 0`` (``zero_init_gate``) every gate is exactly 1, so at initialisation the
     block is the identity and a pretrained backbone is unchanged (our reading of the
     abstract's "design choices ... to ease the optimization difficulties"); ``s = 1`` is the
     plain SE-style sigmoid gate.

Inputs are the frames of ``B * N`` clips in mmaction2's clip-major order (``(B * N, d, l, h,
w)``, clips of one video consecutive). ``N`` comes from the recognizer
(:class:`~collabmem.models.recognizer.CollabMemRecognizer3D` sets :attr:`num_clips` for the
forward) or from the ``num_clips`` argument.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from ..registry import MODELS


def associative_read(p: torch.Tensor, w_q: nn.Linear, w_k: nn.Linear, w_v: nn.Linear,
                     temperature: float, detach_others: bool = False):
    """(M3)-(M4) on pooled clip vectors ``p`` (``B, N, d``): ``(m, a)`` with ``m`` (``B, N,
    mem``) the clip-specific memories and ``a`` (``B, N, N``) the attention of each clip's query
    over the memory entries (rows sum to 1). ``detach_others``: the entries written by the other
    clips of the video carry no gradient (an option; the default trains end to end)."""
    q = w_q(p)
    k, v = w_k(p), w_v(p)
    if detach_others:
        n = p.shape[1]
        eye = torch.eye(n, dtype=p.dtype, device=p.device)
        kd, vd = k.detach(), v.detach()
        logits = (torch.einsum('bic,bjc->bij', q, kd) * (1 - eye)
                  + torch.einsum('bic,bic->bi', q, k)[..., None] * eye) / temperature
        a = logits.softmax(-1)
        m = torch.einsum('bij,bjc->bic', a * (1 - eye), vd) + \
            torch.einsum('bii,bic->bic', a * eye, v)
        return m, a
    a = (torch.einsum('bic,bjc->bij', q, k) / temperature).softmax(-1)
    return torch.einsum('bij,bjc->bic', a, v), a


@MODELS.register_module()
class CollaborativeMemory(BaseModule):
    """(M1)-(M5) of the module docstring: ``(B * N, d, l, h, w) -> same shape``.

    Args:
        in_channels: ``d``, the channels of the stage it follows.
        mem_channels: width of the query / key / value maps (default ``in_channels // 4``).
        gate_scale: ``s`` of (M5).
        zero_init_gate: ``W_g = 0, b_g = 0`` at init (gates ``s / 2``: 1 with ``s = 2``).
        detach_others: stop the gradient through the other clips' memory entries.
        num_clips: clips per video when the caller does not set :attr:`num_clips`.
    """

    def __init__(self, in_channels: int, mem_channels: int | None = None,
                 gate_scale: float = 2.0, zero_init_gate: bool = True,
                 detach_others: bool = False, num_clips: int | None = None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        mem = mem_channels or max(in_channels // 4, 1)
        self.in_channels, self.mem_channels = in_channels, mem
        self.query = nn.Linear(in_channels, mem)
        self.key = nn.Linear(in_channels, mem, bias=False)  # a key bias cancels in the softmax
        self.value = nn.Linear(in_channels, mem)
        self.gate = nn.Linear(mem, in_channels)
        self.gate_scale = float(gate_scale)
        self.temperature = math.sqrt(mem)
        self.zero_init_gate = zero_init_gate
        self.detach_others = detach_others
        self.num_clips = num_clips
        self.last_attention: torch.Tensor | None = None   # (B, N, N), for the pictures
        self.last_gates: torch.Tensor | None = None       # (B, N, d)
        if zero_init_gate:
            nn.init.zeros_(self.gate.weight)
            nn.init.zeros_(self.gate.bias)

    def init_weights(self) -> None:
        super().init_weights()
        if self.zero_init_gate and self.init_cfg is None:
            nn.init.zeros_(self.gate.weight)
            nn.init.zeros_(self.gate.bias)

    def forward(self, x: torch.Tensor, num_clips: int | None = None) -> torch.Tensor:
        n = num_clips or self.num_clips
        if n is None:
            raise RuntimeError(
                'CollaborativeMemory needs the number of clips per video: run it inside '
                'CollabMemRecognizer3D (which sets it from the input), pass num_clips=, or set '
                'the block\'s num_clips in the config')
        if x.shape[0] % n:
            raise ValueError(f'CollaborativeMemory: {x.shape[0]} clips in the batch are not a '
                             f'multiple of {n} clips per video')
        b = x.shape[0] // n
        p = x.flatten(2).mean(-1).view(b, n, -1)                                    # (M1)-(M2)
        m, a = associative_read(p, self.query, self.key, self.value, self.temperature,
                                self.detach_others)                                 # (M3)-(M4)
        g = self.gate_scale * torch.sigmoid(self.gate(m))                           # (M5)
        self.last_attention, self.last_gates = a.detach(), g.detach()
        shape = (b * n, -1) + (1,) * (x.dim() - 2)
        return x * g.reshape(shape)
