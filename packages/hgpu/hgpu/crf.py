"""HGPU's dense-CRF binarisation of a mask probability (official ``apply_densecrf_davis.py``,
run on the saved masks after ``test_HGPU.py``; the reported numbers use it).

Recipe (our code, the official's arithmetic):

1. the probability is quantised as the official saved PNG is (``uint8(255 p)``) and divided by
   its maximum over the frame: p' = m / max(m) (the official ``mask / max_pix``);
2. "energies" e_bg = -log(p' + 1e-8) / (tau sigmoid(p')), e_fg = -log(1 - p' + 1e-8) /
   (tau sigmoid(1 - p')), tau = 1.05, are passed to ``unary_from_softmax`` AS IF they were
   probabilities: that clips them to [1e-5, 1] and takes -log (official quirk, kept: it is what
   the reported numbers used);
3. a Gaussian (sxy 1, compat 3) and a bilateral (sxy 30, srgb 5, compat 3) pairwise term, both
   with diagonal kernels and symmetric normalisation;
4. mean-field steps, at most 5, stopping when the KL divergence changes by less than 500;
   argmax.
"""
from __future__ import annotations

import numpy as np

TAU = 1.05
EPS = 1e-8
GAUSSIAN = dict(sxy=1, compat=3)
BILATERAL = dict(sxy=30, srgb=5, compat=3)
MAX_STEPS = 5
KL_STOP = 500.0


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def crf_unary_probs(prob: np.ndarray) -> np.ndarray:
    """The ``2 x H x W`` array the official passes to ``unary_from_softmax`` (bg, fg)."""
    prob = np.asarray(prob, dtype=np.float64)
    if prob.ndim != 2:
        raise ValueError(f'crf expects an H x W probability map, got shape {prob.shape}')
    if prob.min() < 0 or prob.max() > 1:
        raise ValueError('crf expects probabilities in [0, 1] (the sigmoid of the logits), '
                         f'got [{prob.min():.3g}, {prob.max():.3g}]')
    m = np.uint8(prob * 255.0).astype(np.float64)
    top = m.max()
    p = np.zeros_like(m) if top == 0 else np.uint8(m / top * 255.0) / 255.0
    fg = -np.log(1.0 - p + EPS) / (TAU * _sigmoid(1.0 - p))
    bg = -np.log(p + EPS) / (TAU * _sigmoid(p))
    return np.stack([bg, fg]).astype(np.float32)


def davis_crf(image_rgb: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """``H x W`` uint8 {0, 1} mask of the official CRF; ``image_rgb`` is ``H x W x 3`` uint8."""
    import pydensecrf.densecrf as dcrf
    from cvshared.wsss.crf import check_crf_image
    from pydensecrf.utils import (
        create_pairwise_bilateral,
        create_pairwise_gaussian,
        unary_from_softmax,
    )
    image_rgb = check_crf_image(image_rgb)
    if image_rgb.shape[:2] != np.shape(prob):
        raise ValueError(f'crf: image {image_rgb.shape[:2]} and probability {np.shape(prob)} '
                         'differ in size')
    h, w = image_rgb.shape[:2]
    crf = dcrf.DenseCRF(h * w, 2)
    crf.setUnaryEnergy(np.ascontiguousarray(unary_from_softmax(crf_unary_probs(prob), scale=1)))
    crf.addPairwiseEnergy(create_pairwise_gaussian(sdims=(GAUSSIAN['sxy'],) * 2, shape=(h, w)),
                          compat=GAUSSIAN['compat'], kernel=dcrf.DIAG_KERNEL,
                          normalization=dcrf.NORMALIZE_SYMMETRIC)
    crf.addPairwiseEnergy(create_pairwise_bilateral(sdims=(BILATERAL['sxy'],) * 2,
                                                    schan=(BILATERAL['srgb'],) * 3,
                                                    img=image_rgb, chdim=2),
                          compat=BILATERAL['compat'], kernel=dcrf.DIAG_KERNEL,
                          normalization=dcrf.NORMALIZE_SYMMETRIC)
    q, tmp1, tmp2 = crf.startInference()
    for _ in range(MAX_STEPS):
        before = crf.klDivergence(q)
        crf.stepInference(q, tmp1, tmp2)
        if abs(crf.klDivergence(q) - before) < KL_STOP:
            break
    return np.argmax(np.array(q), axis=0).reshape(h, w).astype(np.uint8)
