"""Coupling a CNN CAM with a transformer attention matrix: TransCAM's direct coupling (the
baseline) and AD-CAM's conservative refinement + convincing diffusion, behind one interface,
:func:`couple` (``method='transcam' | 'adcam'``).

Notation: ``cam`` ``M`` is ``(B, C, N)`` (or ``(B, C, h, w)``, ``N = h w`` tokens in raster
order), ``attn`` ``A`` is ``(B, N, N)`` with ``A_ij`` the attention of query token ``i`` to key
token ``j`` (rows are softmax distributions, summed over layers).

**What comes from where.** The AD-CAM paper's method section (its equations) could not be read
here: the stored copy of arXiv 2211.10931 holds the abstract only (README, "What is
implemented", the table "taken from the paper" vs "decided by us"). The abstract fixes the two
ideas and their intuition, which this module implements; every formula below that the abstract
does not state is **decided by us** and marked so.

* **Aggregation** (TransCAM, ``network/conformer.py::Net.forward``; AD-CAM's abstract: "the
  long-range attention matrix of ViT"): :func:`aggregate_attention`: the attention of every
  transformer block, averaged over heads, summed over blocks, class-token row and column
  dropped.
* **TransCAM** (baseline, TransCAM paper Eq. for the refined CAM; official einsum
  ``'nhw,ncw->nch'``): :func:`transcam_coupling`, ``CAM'_c(i) = sum_j A_ij M_c(j)``. AD-CAM's
  abstract calls this "direct coupling" and reports that it adds false positives.
* **Conservative** (AD-CAM abstract: "refining the attention between a pair of pixels based on
  their respective attentions to common neighbors ... two pixels having very different
  neighborhoods are rarely dependent, i.e. their attention should be reduced"):
  :func:`refine_attention`, ``A'_ij = A_ij * S_ij`` with ``S_ij`` the similarity of the
  attention rows ``A_i.`` and ``A_j.`` (how much the two pixels attend to the same
  neighbours). The Hadamard re-weighting and the similarity (by default the soft Jaccard index
  ``sum_k min / sum_k max`` of the two row distributions, the weighted form of
  |common neighbours| / |all neighbours|; or the cosine of the rows, or the raw common-neighbour
  mass ``(P P^T)_ij``) are decided by us (Jaccard was better than cosine on the synthetic
  development seed, README, Results). ``S_ij = 0`` when the two rows share no neighbour, so
  the refinement only removes edges, never adds one.
* **Convincing** (AD-CAM abstract: "diffusing a pixel's activation to its neighbors (on the
  CAM) in proportion to the corresponding attentions (on the AM)", "in a probabilistic
  diffusion way"): :func:`diffuse`, a random walk on the refined attention graph. The refined
  attention row of each pixel is normalised to a probability distribution,
  ``P_ij = A'_ij / sum_k A'_ik``, and the activation moves along it:
  ``M^{t+1}_c(i) = sum_j P_ij M^t_c(j)`` (``mode='gather'``, the default: pixel ``i`` receives
  the activation of the pixels it attends to, in proportion to its attention; this is PSA's
  random walk ``vec(M) T`` with ``T`` = :func:`cvshared.ops.affinity.transition_matrix` of
  ``A'^T``). ``mode='scatter'``: ``M^{t+1}_c(i) = sum_j P_ji M^t_c(j)`` (pixel ``j`` sends
  its activation over the pixels it attends to; mass-preserving). The row normalisation, the
  direction, the number of steps ``t`` (1) are decided by us; the default direction was chosen
  on the synthetic development seed (README, Results: scatter was worse there).

The oracle of ``tests/test_model.py``: ``diffuse(cam, attn, steps=1, normalize=False,
mode='gather')`` with the refinement off equals :func:`transcam_coupling`.

The transition is :func:`cvshared.ops.affinity.transition_matrix` (``beta=1``, ``logt=0``);
``tests/test_model.py`` checks ``mode='gather'`` against
:func:`cvshared.ops.affinity.random_walk_dense` and against a brute-force loop.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from cvshared.ops.affinity import transition_matrix
from torch import Tensor

METHODS = ('cam', 'transcam', 'adcam')
SIMILARITIES = ('cosine', 'jaccard', 'dot')


# candidate for cvshared (any CAM x ViT-attention coupling: TransCAM, AD-CAM)
def aggregate_attention(attns: Sequence[Tensor], layers: Sequence[int] | None = None,
                        drop_cls: bool = True) -> Tensor:
    """``[(B, heads, 1 + N, 1 + N)] * L`` -> ``(B, N, N)``: mean over heads, sum over the
    blocks ``layers`` (default all; TransCAM: all 12), class token dropped (TransCAM
    ``attn_weights.mean(2).sum(0)[:, 1:, 1:]``)."""
    if not len(attns):
        raise ValueError('aggregate_attention: no attention matrices')
    chosen = list(range(len(attns))) if layers is None else list(layers)
    bad = [i for i in chosen if not -len(attns) <= i < len(attns)]
    if bad:
        raise ValueError(f'aggregate_attention: layers {bad} out of range for {len(attns)} blocks')
    out = torch.stack([attns[i] for i in chosen]).mean(dim=2).sum(dim=0)
    return out[:, 1:, 1:] if drop_cls else out


def _flat(cam: Tensor) -> tuple[Tensor, tuple]:
    if cam.ndim == 4:
        return cam.flatten(2), tuple(cam.shape)
    if cam.ndim == 3:
        return cam, tuple(cam.shape)
    raise ValueError(f'cam must be (B, C, N) or (B, C, h, w), got {tuple(cam.shape)}')


def _check(cam: Tensor, attn: Tensor) -> None:
    if attn.ndim != 3 or attn.shape[1] != attn.shape[2]:
        raise ValueError(f'attn must be (B, N, N), got {tuple(attn.shape)}')
    if cam.shape[0] != attn.shape[0] or cam.shape[2] != attn.shape[1]:
        raise ValueError(f'cam {tuple(cam.shape)} (B, C, N) does not match attn '
                         f'{tuple(attn.shape)} (B, N, N)')


def transcam_coupling(cam: Tensor, attn: Tensor) -> Tensor:
    """TransCAM: ``CAM'_c(i) = sum_j A_ij M_c(j)`` (official ``einsum('nhw,ncw->nch')``)."""
    flat, shape = _flat(cam)
    _check(flat, attn)
    return torch.einsum('nij,ncj->nci', attn, flat).reshape(shape)


def common_neighbour_similarity(attn: Tensor, kind: str = 'jaccard',
                                chunk_elements: int = 2 ** 24) -> Tensor:
    """``S_ij`` of the attention rows of tokens ``i`` and ``j`` (``(B, N, N)``, symmetric).

    ``'cosine'``: ``<A_i, A_j> / (|A_i| |A_j|)``; ``'jaccard'``: ``sum_k min(P_ik, P_jk) /
    sum_k max(P_ik, P_jk)`` of the row distributions ``P = A / rowsum`` (``O(N^3)`` elementwise
    work, in row chunks of at most ``chunk_elements`` temporaries; ``sum_k max = 2 - sum_k min``
    for distributions); ``'dot'``: the common-neighbour mass ``(P P^T)_ij``.
    All three are zero exactly when the two rows share no neighbour (decided by us: the
    abstract does not give the formula)."""
    if kind not in SIMILARITIES:
        raise ValueError(f'similarity must be one of {SIMILARITIES}, got {kind!r}')
    if kind == 'cosine':
        unit = attn / attn.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        return unit @ unit.transpose(1, 2)
    rows = attn / attn.sum(dim=-1, keepdim=True).clamp_min(1e-12)
    if kind == 'dot':
        return rows @ rows.transpose(1, 2)
    n = rows.shape[1]
    chunk = max(1, int(chunk_elements) // max(1, n * n))
    mass = rows.sum(-1)                                    # 1, or 0 for an all-zero row
    out = []
    for start in range(0, n, chunk):
        a = rows[:, start:start + chunk, None, :]          # (B, c, 1, N)
        inter = torch.minimum(a, rows[:, None, :, :]).sum(-1)
        union = mass[:, start:start + chunk, None] + mass[:, None, :] - inter
        out.append(inter / union.clamp_min(1e-12))
    return torch.cat(out, dim=1)


def refine_attention(attn: Tensor, similarity: str = 'jaccard') -> Tensor:
    """Conservative refinement: ``A'_ij = A_ij * S_ij`` (:func:`common_neighbour_similarity`).
    Keeps the support of ``A`` or shrinks it; symmetric ``A`` gives symmetric ``A'``."""
    return attn * common_neighbour_similarity(attn, similarity)


def diffuse(cam: Tensor, attn: Tensor, steps: int = 1, normalize: bool = True,
            mode: str = 'gather') -> Tensor:
    """Convincing diffusion of ``cam`` along ``attn`` (module docstring), ``steps`` times.

    ``normalize``: row-normalise ``attn`` to the transition ``P`` (each pixel sends a
    probability distribution); without it the raw weights are used. ``mode='gather'``:
    ``M'_c(i) = sum_j P_ij M_c(j)`` (TransCAM's direction; a weighted mean, so constants are
    kept and ``max M' <= max M``); ``'scatter'``: ``M'_c(i) = sum_j P_ji M_c(j)``
    (mass-preserving when ``P`` is row-stochastic)."""
    if mode not in ('scatter', 'gather'):
        raise ValueError(f"mode must be 'scatter' or 'gather', got {mode!r}")
    if steps < 1:
        raise ValueError(f'steps must be >= 1, got {steps}')
    flat, shape = _flat(cam)
    _check(flat, attn)
    if normalize:
        # what pixel j sends, P_j., sums to 1: the column-stochastic transition of A^T
        send = transition_matrix(attn.transpose(1, 2), beta=1.0, logt=0)   # (B, N, N): [i, j]
        trans = send.transpose(1, 2)                                          # P_ji at [j, i]
    else:
        trans = attn
    # scatter: M' = M P  (M as (C, N) rows); gather: M' = M P^T
    step = trans if mode == 'scatter' else trans.transpose(1, 2)
    out = flat
    for _ in range(int(steps)):
        out = out @ step
    return out.reshape(shape)


def couple(cam: Tensor, attn: Tensor, method: str = 'adcam', *, refine: bool = True,
           similarity: str = 'jaccard', steps: int = 1, normalize: bool = True,
           mode: str = 'gather', symmetric: bool = False) -> Tensor:
    """The one interface: ``method='cam'`` returns ``cam``; ``'transcam'``:
    :func:`transcam_coupling`; ``'adcam'``: :func:`diffuse` of :func:`refine_attention`
    (``refine=False`` skips the refinement; ``symmetric`` first replaces ``A`` by
    ``(A + A^T) / 2``, off by default, decided by us). ``cam`` ``(B, C, N)`` or ``(B, C, h, w)``,
    ``attn`` ``(B, N, N)`` (:func:`aggregate_attention`); returns ``cam``'s shape."""
    if method not in METHODS:
        raise ValueError(f'method must be one of {METHODS}, got {method!r}')
    if method == 'cam':
        return cam
    if method == 'transcam':
        return transcam_coupling(cam, attn)
    if symmetric:
        attn = 0.5 * (attn + attn.transpose(1, 2))
    a = refine_attention(attn, similarity) if refine else attn
    return diffuse(cam, a, steps=steps, normalize=normalize, mode=mode)
