"""The B-CNN neck: bilinear pooling, square root and L2 normalisation (Lin et al.'s B-CNN as
the official ``bcnn.py::BCNN.bilinear_pool`` uses it for the WebFG-496 peer-learning model).

For a feature map x of ``C`` channels and ``h x w`` positions (``X``: ``C x hw``):

    z = vec(X X^T / (h w))                        bilinear pooling (C^2 values)
    z = sqrt(z + eps)            (``sqrt='official'``, the released code: NOT signed)
      | sign(z) sqrt(|z| + eps)  (``sqrt='signed'``, the signed square root of B-CNN /
                                  the issue text)
      | z                        (``sqrt='none'``)
    z = z / max(||z||_2, 1e-12)                   L2 normalisation (``F.normalize``)

After a ReLU every entry of X X^T is >= 0, so 'official' and 'signed' differ only where an
entry is exactly 0 (a channel that is zero everywhere): sqrt(eps) vs 0.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from ..registry import MODELS

SQRT_MODES = ('official', 'signed', 'none')


def bilinear_pool(x: torch.Tensor, sqrt: str = 'official', eps: float = 1e-5,
                  normalize: bool = True) -> torch.Tensor:
    """``(N, C, H, W)`` -> ``(N, C * C)`` (see the module docstring)."""
    if sqrt not in SQRT_MODES:
        raise ValueError(f'sqrt must be one of {SQRT_MODES}, got {sqrt!r}')
    if x.dim() != 4:
        raise ValueError(f'bilinear pooling needs (N, C, H, W) features, got {tuple(x.shape)}')
    n, c, h, w = x.shape
    flat = x.reshape(n, c, h * w)
    z = torch.bmm(flat, flat.transpose(1, 2)).reshape(n, c * c) / (h * w)
    if sqrt == 'official':
        z = torch.sqrt(z + eps)
    elif sqrt == 'signed':
        z = torch.sign(z) * torch.sqrt(z.abs() + eps)
    return F.normalize(z, dim=1) if normalize else z


@MODELS.register_module()
class BilinearPooling(BaseModule):
    """mmpretrain neck: the last backbone output ``(N, C, H, W)`` -> ``(N, C^2)`` (tuple in,
    tuple out, like ``GlobalAveragePooling``).

    Args:
        sqrt: ``'official'`` (default, the released code: sqrt(z + eps)), ``'signed'``
            (sign(z) sqrt(|z| + eps)) or ``'none'``.
        eps: The constant under the square root (official 1e-5).
        normalize: L2-normalise the pooled vector (official: yes).
    """

    def __init__(self, sqrt: str = 'official', eps: float = 1e-5, normalize: bool = True,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if sqrt not in SQRT_MODES:
            raise ValueError(f'BilinearPooling: sqrt must be one of {SQRT_MODES}, got {sqrt!r}')
        self.sqrt, self.eps, self.normalize = sqrt, eps, normalize

    def forward(self, inputs):
        if isinstance(inputs, torch.Tensor):
            return bilinear_pool(inputs, self.sqrt, self.eps, self.normalize)
        return tuple(bilinear_pool(x, self.sqrt, self.eps, self.normalize) for x in inputs)
