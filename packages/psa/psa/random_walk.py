"""Random-walk propagation of the CAMs with AffinityNet (paper Sec. 3.3, Eq. 5-6; official
``infer_aff.py``).

For one image (``H x W``):

1. pad the image (bottom / right, zeros after normalisation) to a multiple of 8;
2. CAM stack ``21 x H x W``: the image's classes at ``1 + class index``, others 0, background
   ``(1 - max_c CAM_c)^alpha`` (``alpha = 16``), zero-padded like the image, average-pooled by 8;
3. pair affinities ``a_ij`` of AffinityNet on the stride-8 grid, ``W = a^beta`` (``beta = 8``),
   ``T = W D^{-1}`` (column-normalised, diagonal 1), ``cam_rw = vec(cam) T^(2^logt)``
   (``logt = 8``);
4. bilinear upsampling (``align_corners=False``) to the padded size, crop, argmax over the 21
   channels = the pseudo label (0 = background, ``c + 1`` = class ``c``).

``method='sparse'`` (default) runs step 3 as :func:`cvshared.ops.affinity.random_walk` (sparse
steps, never an ``n x n`` matrix); ``method='dense'`` is the official dense computation
(:func:`cvshared.ops.affinity.pairs_to_dense` + :func:`~cvshared.ops.affinity.random_walk_dense`),
kept for the golden test and the benchmark.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from cvshared.ops.affinity import (
    get_indices_of_pairs,
    pairs_to_dense,
    random_walk,
    random_walk_dense,
)

ALPHA, BETA, LOGT = 16, 8, 8


def cam_stack(keys, cams, size, num_classes: int = 20, alpha: float = ALPHA) -> torch.Tensor:
    """``(num_classes + 1) x H x W`` float32: background ``(1 - max)^alpha`` then the CAMs of the
    image's classes (``keys``, 0-based) at ``key + 1``, zeros elsewhere."""
    cams = torch.as_tensor(np.asarray(cams, np.float32))
    h, w = int(size[0]), int(size[1])
    if cams.ndim != 3 or tuple(cams.shape[1:]) != (h, w):
        raise ValueError(f'the CAMs are {tuple(cams.shape)} but the image is {h}x{w}; the CAMs '
                         f'were made for other images (rerun make_cam)')
    keys = torch.as_tensor(np.asarray(keys), dtype=torch.long)
    if len(keys) != len(cams) or (len(keys) and (keys.min() < 0 or keys.max() >= num_classes)):
        raise ValueError(f'CAM keys {keys.tolist()} do not fit {len(cams)} maps of '
                         f'{num_classes} classes')
    full = torch.zeros(num_classes + 1, h, w)
    full[keys + 1] = cams
    full[0] = (1 - full[1:].amax(0)).pow(alpha)
    return full


def propagate(cam_full: torch.Tensor, aff: torch.Tensor, grid, beta: float = BETA,
              logt: int = LOGT, radius: int = 5, method: str = 'sparse') -> torch.Tensor:
    """Step 3: ``cam_full`` ``C x h x w`` (already pooled to the grid ``(h, w)``) propagated
    with the pair affinities ``aff`` ``(D, N)`` of that grid; returns ``C x h x w``."""
    h, w = int(grid[0]), int(grid[1])
    if tuple(cam_full.shape[1:]) != (h, w):
        raise ValueError(f'CAM grid {tuple(cam_full.shape[1:])} differs from the affinity grid '
                         f'{(h, w)}')
    ind_from, ind_to = get_indices_of_pairs(radius, (h, w), device=aff.device)
    if method == 'sparse':
        return random_walk(cam_full, aff, ind_from, ind_to, beta, logt)
    if method == 'dense':
        dense = pairs_to_dense(aff.reshape(-1), ind_from, ind_to, h * w)
        return random_walk_dense(cam_full, dense, beta, logt)
    raise ValueError(f"method must be 'sparse' or 'dense', not {method!r}")


def pad8(x: torch.Tensor, stride: int = 8) -> torch.Tensor:
    """Zero-pad the last two dims at the bottom / right to multiples of ``stride``."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % stride, (-w) % stride
    return F.pad(x, (0, pw, 0, ph))


@torch.no_grad()
def random_walk_labels(aff_fn, img: torch.Tensor, keys, cams, num_classes: int = 20,
                       alpha: float = ALPHA, beta: float = BETA, logt: int = LOGT,
                       radius: int = 5, method: str = 'sparse') -> dict:
    """Steps 1-4 for one image.

    Args:
        aff_fn: ``(1, 3, H', W')`` normalised image -> pair affinities ``(1, D, N)`` on its
            stride-8 grid (``PsaAffinityNet.affinity``).
        img: ``3 x H x W`` normalised image.
        keys, cams: the image's classes and their ``K x H x W`` CAMs (``load_cam``).
    Returns:
        ``dict(label=int64 H x W, cam_rw=float32 (C + 1) x H x W (before argmax), cam=the
        un-propagated stack (C + 1) x H x W)``.
    """
    h, w = img.shape[-2:]
    cam_full = cam_stack(keys, cams, (h, w), num_classes, alpha)
    x = pad8(img[None].float())
    ph, pw = x.shape[-2:]
    aff = aff_fn(x)[0]
    grid = (ph // 8, pw // 8)
    pooled = F.avg_pool2d(pad8(cam_full)[None], 8, 8)[0]
    rw = propagate(pooled.to(aff.device), aff, grid, beta, logt, radius, method)
    up = F.interpolate(rw[None], (ph, pw), mode='bilinear', align_corners=False)[0, :, :h, :w]
    return dict(label=up.argmax(0).cpu(), cam_rw=up.cpu(), cam=cam_full)


def cam_labels(keys, cams, size, num_classes: int = 20, bg: float = 0.2) -> torch.Tensor:
    """CAM-only pseudo labels (official ``infer_cls.py --out_cam_pred``): constant background
    score ``bg`` (0.2), argmax; ``int64 H x W``."""
    full = cam_stack(keys, cams, size, num_classes, alpha=1)
    full[0] = bg
    return full.argmax(0)
