"""The HED-weighted binary cross-entropy of HGPU and HCPN (MATNet's hard-negative recipe).

Official code: the negative map is built per frame in ``libs/dataset/dataloader.py`` (both repos)
and the loss is ``libs/utils/obj.py :: Loss``:

- ``n = dilate_{dn x dn}((1 - hed / 255) * (1 - dilate_{dm x dm}(mask)))`` with ``mask`` binary
  (any value > 0 is foreground), ``dm = 11``, ``dn = 5``, dilation = max filter over a square
  window (``cv2.dilate`` with a ones kernel; pixels outside the image do not count).
- The official ``Loss`` sets the weight 1 on foreground, 1 on "easy" negatives (``n == 0``) and
  ``1 + n`` on "hard" negatives (``n > 0``), the last assignment winning; as ``n >= 0`` that is
  ``weight = 1 + n`` on every pixel (:func:`hard_negative_weight`).
- ``loss = mean over all pixels of the batch of w * BCE(p, y)`` on the sigmoid output
  (:func:`weighted_bce`; log clamped at -100 as ``F.binary_cross_entropy`` does).

Official data quirk, available as ``bytescale=True``: the official loader resizes the float
negative map with ``scipy.misc.imresize``, which converts a float image to uint8 by
``bytescale`` (per map: ``round((n - min) * 255 / (max - min))``, ``max - min`` taken as 1 when
0), and ``ToTensor`` divides by 255; so the ``n`` the official loss sees is min-max normalised
and quantised to 1/255 (for a map whose values are all equal, 0).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import MODELS

__all__ = ['dilate', 'hard_negative_map', 'hard_negative_weight', 'weighted_bce',
           'WeightedBCELoss']


def _as_nchw(x: torch.Tensor) -> tuple[torch.Tensor, torch.Size]:
    if x.dim() < 2:
        raise ValueError(f'expected a map of at least 2 dimensions (..., H, W), got {x.dim()}')
    shape = x.shape
    return x.reshape(-1, 1, shape[-2], shape[-1]), shape


def dilate(x: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Grey dilation of ``(..., H, W)`` maps by a square ``kernel_size`` window (odd), pixels
    outside the image ignored: ``cv2.dilate(x, np.ones((k, k)))`` for odd ``k``."""
    if kernel_size % 2 != 1 or kernel_size < 1:
        raise ValueError(f'dilation kernel size must be odd and positive, got {kernel_size}')
    if kernel_size == 1:
        return x.clone()
    flat, shape = _as_nchw(x)
    out = F.max_pool2d(flat, kernel_size, stride=1, padding=kernel_size // 2)
    return out.reshape(shape)


def _bytescale(n: torch.Tensor) -> torch.Tensor:
    flat, shape = _as_nchw(n)
    lo = flat.amin(dim=(2, 3), keepdim=True)
    span = flat.amax(dim=(2, 3), keepdim=True) - lo
    span = torch.where(span == 0, torch.ones_like(span), span)
    levels = torch.floor(((flat - lo) * (255.0 / span)).clamp(0, 255) + 0.5)
    return (levels / 255.0).reshape(shape)


def hard_negative_map(mask: torch.Tensor, hed: torch.Tensor, dilate_mask: int = 11,
                      dilate_neg: int = 5, hed_max: float = 255.0,
                      bytescale: bool = False) -> torch.Tensor:
    """MATNet's hard-negative map ``n`` in [0, 1] (module docstring).

    Args:
        mask: ``(..., H, W)`` object mask; values > 0 are foreground.
        hed: ``(..., H, W)`` HED edge map in ``[0, hed_max]`` (255 for the released JPEG maps).
        dilate_mask: Window of the mask dilation (official 11).
        dilate_neg: Window of the final dilation (official 5).
        hed_max: Value of a sure edge.
        bytescale: Reproduce the official loader's min-max uint8 rescale of ``n``.
    Returns:
        Float tensor of ``mask``'s shape.
    """
    if mask.shape != hed.shape:
        raise ValueError(f'mask and HED map differ in shape: {tuple(mask.shape)} vs '
                         f'{tuple(hed.shape)}')
    dtype = hed.dtype if hed.is_floating_point() else torch.float32
    fg = (mask > 0).to(dtype)
    inverse_mask = 1.0 - dilate(fg, dilate_mask)
    inverse_hed = (hed_max - hed.to(dtype)) / hed_max
    n = dilate(inverse_hed * inverse_mask, dilate_neg)
    return _bytescale(n) if bytescale else n


def hard_negative_weight(mask: torch.Tensor, hed: torch.Tensor, dilate_mask: int = 11,
                         dilate_neg: int = 5, hed_max: float = 255.0,
                         bytescale: bool = False) -> torch.Tensor:
    """Pixel weights of the official loss: 1 where ``n == 0`` (foreground and easy background),
    ``1 + n`` on hard negatives, i.e. ``1 + hard_negative_map(...)``."""
    return 1.0 + hard_negative_map(mask, hed, dilate_mask, dilate_neg, hed_max, bytescale)


def weighted_bce(prob: torch.Tensor, target: torch.Tensor,
                 weight: torch.Tensor | None = None) -> torch.Tensor:
    """``mean(w * -(y log p + (1 - y) log(1 - p)))`` over all elements: exactly
    ``F.binary_cross_entropy`` (logs clamped at -100; its backward, finite at p = 0 and 1, as
    the official losses use), with autocast off and half-precision inputs taken to float32
    (``F.binary_cross_entropy`` refuses them under autocast). ``prob`` are probabilities (after
    the sigmoid). ``weight`` broadcasts against ``prob``; None means 1.

    Writing the clamped logs out by hand gives NaN gradients at a saturated p (the gradient of
    ``log`` at 0 is inf, times the clamp's 0): HCPN's synthetic run diverged on it."""
    if prob.shape != target.shape:
        raise ValueError(f'prob and target differ in shape: {tuple(prob.shape)} vs '
                         f'{tuple(target.shape)}')
    with torch.autocast(device_type=prob.device.type, enabled=False):
        p = prob if prob.dtype in (torch.float32, torch.float64) else prob.float()
        w = None if weight is None else weight.to(p.dtype).expand_as(p)
        return F.binary_cross_entropy(p, target.to(p.dtype), weight=w, reduction='mean')


@MODELS.register_module()
class WeightedBCELoss(nn.Module):
    """mmseg-style loss module around :func:`weighted_bce`.

    ``forward(prob, target, weight=None, hard_negative=None)``: ``weight`` is a pixel weight
    map; alternatively ``hard_negative`` is the map ``n`` of :func:`hard_negative_map` and the
    weight is ``1 + n`` (give one of them, or neither for plain BCE). Returns
    ``loss_weight * weighted_bce(...)``.

    Args:
        loss_weight: Multiplier (HCPN's contour term: 0.5 * 0.5 per frame).
        loss_name: Key of the loss in the losses dict (mmseg convention: starts with ``loss_``).
    """

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_wbce'):
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, prob: torch.Tensor, target: torch.Tensor,
                weight: torch.Tensor | None = None,
                hard_negative: torch.Tensor | None = None, **kwargs) -> torch.Tensor:
        if weight is not None and hard_negative is not None:
            raise ValueError('WeightedBCELoss: give weight or hard_negative, not both')
        if hard_negative is not None:
            weight = 1.0 + hard_negative
        return self.loss_weight * weighted_bce(prob, target, weight)
