"""The dense-CRF post-processing of HCPN's reported numbers (official
``apply_densecrf_davis.py``, the MATNet recipe), on one frame: the shared
:func:`cvshared.vos.crf.davis_crf` with HCPN's bilateral term (sdims 25, compat 7; HGPU uses
30 / 3)."""
from __future__ import annotations

import numpy as np
from cvshared.vos.crf import HCPN_CRF
from cvshared.vos.crf import davis_crf as _davis_crf


def davis_crf(image: np.ndarray, prob: np.ndarray, **kwargs) -> np.ndarray:
    """Binary mask (bool ``H x W``) of ``prob`` (foreground probability ``H x W`` in [0, 1])
    refined on ``image`` (``H x W x 3`` uint8 RGB, the original frame); ``kwargs`` override
    :data:`cvshared.vos.crf.HCPN_CRF` and the other CRF settings (``crf_cfg``)."""
    return _davis_crf(image, prob, **{**HCPN_CRF, **kwargs}) == 1
