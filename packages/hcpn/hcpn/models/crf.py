"""The dense-CRF post-processing of HCPN's reported numbers (official
``apply_densecrf_davis.py``, the MATNet recipe), on one frame.

From the 8-bit mask ``M`` (the saved prediction, rescaled so that its maximum is 255) and
``p = M / 255``, the two "label scores" are (tau = 1.05, eps = 1e-8)

    s_bg = -log(p + eps)     / (tau * sigmoid(p))
    s_fg = -log(1 - p + eps) / (tau * sigmoid(1 - p))

and the unary is ``pydensecrf.utils.unary_from_softmax`` of them (``-log clip(s, 1e-5, 1)``).
Pairwise terms: a Gaussian (``sdims=(1, 1)``, compat 3) and a bilateral (``sdims=(25, 25)``,
``schan=(5, 5, 5)``, compat 7; HGPU uses 30 / 3), both DIAG_KERNEL, NORMALIZE_SYMMETRIC. Up to
five mean-field steps, stopping when the KL divergence changes by less than 500. The label map
is the argmax.
"""
from __future__ import annotations

import numpy as np

TAU, EPS = 1.05, 1e-8


def davis_crf(image: np.ndarray, prob: np.ndarray, bilateral_sdims: float = 25,
              bilateral_compat: float = 7, gaussian_compat: float = 3, steps: int = 5,
              kl_tol: float = 500.0) -> np.ndarray:
    """Binary mask (bool ``H x W``) of ``prob`` (foreground probability ``H x W`` in [0, 1])
    refined on ``image`` (``H x W x 3`` uint8 RGB, the original frame)."""
    import pydensecrf.densecrf as dcrf
    from pydensecrf.utils import (
        create_pairwise_bilateral,
        create_pairwise_gaussian,
        unary_from_softmax,
    )

    image = np.ascontiguousarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f'davis_crf: the image must be H x W x 3 uint8 RGB, got '
                         f'{image.shape} {image.dtype}')
    prob = np.asarray(prob, dtype=np.float64)
    if prob.shape != image.shape[:2]:
        raise ValueError(f'davis_crf: probability map {prob.shape} and image '
                         f'{image.shape[:2]} differ in size')
    if not np.isfinite(prob).all() or prob.min() < 0 or prob.max() > 1:
        raise ValueError('davis_crf: the probability map must be finite and in [0, 1]')
    mask = np.uint8(np.clip(prob, 0, 1) * 255)  # the saved 8-bit prediction
    top = int(mask.max())
    if top == 0:
        return np.zeros(prob.shape, bool)
    mask = np.uint8(mask / top * 255.0)
    p = mask / 255.0

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    scores = np.stack([-np.log(p + EPS) / (TAU * sigmoid(p)),
                       -np.log(1.0 - p + EPS) / (TAU * sigmoid(1 - p))])
    h, w = prob.shape
    crf = dcrf.DenseCRF(h * w, 2)
    crf.setUnaryEnergy(np.ascontiguousarray(unary_from_softmax(scores, scale=1)))
    crf.addPairwiseEnergy(create_pairwise_gaussian(sdims=(1, 1), shape=(h, w)),
                          compat=gaussian_compat, kernel=dcrf.DIAG_KERNEL,
                          normalization=dcrf.NORMALIZE_SYMMETRIC)
    crf.addPairwiseEnergy(create_pairwise_bilateral(sdims=(bilateral_sdims,) * 2,
                                                    schan=(5, 5, 5), img=image, chdim=2),
                          compat=bilateral_compat, kernel=dcrf.DIAG_KERNEL,
                          normalization=dcrf.NORMALIZE_SYMMETRIC)
    q, tmp1, tmp2 = crf.startInference()
    for _ in range(steps):
        before = crf.klDivergence(q)
        crf.stepInference(q, tmp1, tmp2)
        if abs(crf.klDivergence(q) - before) < kl_tol:
            break
    return np.argmax(np.array(q), axis=0).reshape(h, w) == 1
