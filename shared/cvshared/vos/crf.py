"""The dense-CRF binarisation of HGPU's and HCPN's reported numbers (both official repos'
``apply_densecrf_davis.py``, the MATNet recipe, run on the saved masks), on one frame.

Recipe (our code, the official arithmetic; the two papers differ only in the bilateral term,
:data:`HGPU_CRF` / :data:`HCPN_CRF`):

1. the probability is quantised as the official saved PNG is (``M = uint8(255 p)``) and
   rescaled so that its maximum is 255: ``p' = uint8(M / max(M) * 255) / 255``;
2. "label scores" ``s_bg = -log(p' + eps) / (tau sigmoid(p'))``,
   ``s_fg = -log(1 - p' + eps) / (tau sigmoid(1 - p'))``, tau = 1.05, eps = 1e-8, are passed to
   ``pydensecrf.utils.unary_from_softmax`` AS IF they were probabilities: it clips them to
   [1e-5, 1] and takes -log (official quirk, kept: the reported numbers used it);
3. a Gaussian (sxy 1, compat 3) and a bilateral (srgb 5; sxy / compat per paper) pairwise term,
   both DIAG_KERNEL and NORMALIZE_SYMMETRIC;
4. mean-field steps, at most 5, stopping when the KL divergence changes by less than 500;
   the label map is the argmax (label 1 = object).

An all-zero probability returns the empty mask without running the CRF (the official CRF gives
the same: every unary then favours the background).
"""
from __future__ import annotations

import numpy as np

TAU = 1.05
EPS = 1e-8
HGPU_CRF = dict(bilateral_sxy=30, bilateral_compat=3)   # HGPU apply_densecrf_davis.py
HCPN_CRF = dict(bilateral_sxy=25, bilateral_compat=7)   # HCPN apply_densecrf_davis.py

__all__ = ['TAU', 'EPS', 'HGPU_CRF', 'HCPN_CRF', 'crf_unary_probs', 'davis_crf']


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _check_prob(prob) -> np.ndarray:
    prob = np.asarray(prob, dtype=np.float64)
    if prob.ndim != 2:
        raise ValueError(f'crf expects an H x W probability map, got shape {prob.shape}')
    if not np.isfinite(prob).all() or prob.min() < 0 or prob.max() > 1:
        raise ValueError('crf expects finite probabilities in [0, 1] (the sigmoid of the '
                         f'logits), got [{np.nanmin(prob):.3g}, {np.nanmax(prob):.3g}]')
    return prob


def crf_unary_probs(prob: np.ndarray) -> np.ndarray:
    """The ``2 x H x W`` float32 array (bg, fg) the official passes to ``unary_from_softmax``
    (steps 1-2 of the module docstring)."""
    m = np.uint8(_check_prob(prob) * 255.0).astype(np.float64)
    top = m.max()
    p = np.zeros_like(m) if top == 0 else np.uint8(m / top * 255.0) / 255.0
    fg = -np.log(1.0 - p + EPS) / (TAU * _sigmoid(1.0 - p))
    bg = -np.log(p + EPS) / (TAU * _sigmoid(p))
    return np.stack([bg, fg]).astype(np.float32)


def davis_crf(image_rgb: np.ndarray, prob: np.ndarray, *, bilateral_sxy: float,
              bilateral_compat: float, bilateral_srgb: float = 5, gaussian_sxy: float = 1,
              gaussian_compat: float = 3, steps: int = 5, kl_tol: float = 500.0) -> np.ndarray:
    """``H x W`` uint8 {0, 1} mask of ``prob`` (foreground probability, ``H x W`` in [0, 1])
    refined on ``image_rgb`` (``H x W x 3`` uint8 RGB, the original frame). The paper's
    bilateral term: ``**HGPU_CRF`` or ``**HCPN_CRF``."""
    import pydensecrf.densecrf as dcrf
    from pydensecrf.utils import (
        create_pairwise_bilateral,
        create_pairwise_gaussian,
        unary_from_softmax,
    )

    from ..wsss.crf import check_crf_image
    image_rgb = check_crf_image(image_rgb)
    prob = _check_prob(prob)
    if image_rgb.shape[:2] != prob.shape:
        raise ValueError(f'crf: image {image_rgb.shape[:2]} and probability {prob.shape} '
                         'differ in size')
    h, w = prob.shape
    if np.uint8(prob * 255.0).max() == 0:
        return np.zeros((h, w), np.uint8)
    crf = dcrf.DenseCRF(h * w, 2)
    crf.setUnaryEnergy(np.ascontiguousarray(unary_from_softmax(crf_unary_probs(prob), scale=1)))
    crf.addPairwiseEnergy(create_pairwise_gaussian(sdims=(gaussian_sxy,) * 2, shape=(h, w)),
                          compat=gaussian_compat, kernel=dcrf.DIAG_KERNEL,
                          normalization=dcrf.NORMALIZE_SYMMETRIC)
    crf.addPairwiseEnergy(create_pairwise_bilateral(sdims=(bilateral_sxy,) * 2,
                                                    schan=(bilateral_srgb,) * 3,
                                                    img=image_rgb, chdim=2),
                          compat=bilateral_compat, kernel=dcrf.DIAG_KERNEL,
                          normalization=dcrf.NORMALIZE_SYMMETRIC)
    q, tmp1, tmp2 = crf.startInference()
    for _ in range(steps):
        before = crf.klDivergence(q)
        crf.stepInference(q, tmp1, tmp2)
        if abs(crf.klDivergence(q) - before) < kl_tol:
            break
    return np.argmax(np.array(q), axis=0).reshape(h, w).astype(np.uint8)
