"""HGPU's dense-CRF binarisation of a mask probability (official ``apply_densecrf_davis.py``,
run on the saved masks after ``test_HGPU.py``; the reported numbers use it): the shared
:func:`cvshared.vos.crf.davis_crf` with HGPU's bilateral term (sxy 30, compat 3)."""
from __future__ import annotations

import numpy as np
from cvshared.vos.crf import HGPU_CRF, TAU, crf_unary_probs
from cvshared.vos.crf import davis_crf as _davis_crf

__all__ = ['TAU', 'crf_unary_probs', 'davis_crf']


def davis_crf(image_rgb: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """``H x W`` uint8 {0, 1} mask of the official CRF; ``image_rgb`` is ``H x W x 3`` uint8."""
    return _davis_crf(image_rgb, prob, **HGPU_CRF)
