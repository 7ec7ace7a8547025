"""Fully connected CRF (Krahenbuhl & Koltun, 2011) on an image, as PSA, IRN and STEGO use it.

Thin, checked wrappers around ``pydensecrf`` (the ``pydensecrf2`` distribution):

* :func:`crf_inference_prob` -- PSA's ``tool/imutils.py::crf_inference``: unary
  ``-log(clip(probs, 1e-5, 1))`` (``pydensecrf.utils.unary_from_softmax``), a Gaussian
  (``sxy=3 / scale_factor, compat=3``) and a bilateral (``sxy=80 / scale_factor, srgb=13,
  compat=10``) pairwise term, ``t = 10`` mean-field iterations; returns the ``C x H x W``
  marginals.  PSA feeds it a background score ``(1 - max_c CAM_c)^alpha`` stacked on the CAMs,
  which does *not* sum to 1 per pixel; the official code passes it as is (values above 1 are
  clipped to 1 by the unary), and so does this function unless ``normalized=True`` asks for the
  check.
* :func:`crf_inference_label` -- IRN's ``misc/imutils.py::crf_inference_label``: unary
  ``pydensecrf.utils.unary_from_labels(labels, n_labels, gt_prob=0.7, zero_unsure=False)``
  (``-log(gt_prob)`` for the given label, ``-log((1 - gt_prob) / (n_labels - 1))`` for the
  others), Gaussian ``sxy=3, compat=3``, bilateral ``sxy=50, srgb=5, compat=10``, ``t = 10``;
  returns the ``H x W`` argmax label map.

* :func:`crf_from_logits` -- STEGO's ``utils/seg_utils.py::dense_crf``, which HP and PPAP copy:
  the ``C x h x w`` logits resized bilinearly (``align_corners=False``) to the image, softmax
  over ``C``, unary ``-log(clip(p, 1e-5, 1))``, Gaussian ``sxy=1, compat=3``, bilateral
  ``sxy=67, srgb=3, compat=4``, 10 iterations; returns the ``C x H x W`` marginals. The official
  hands the bilateral term the image with its channels reversed (BGR). One ``srgb`` for all
  channels would make the exact kernel blind to the channel order, but pydensecrf's
  permutohedral lattice is an approximation that is not (on the golden case the RGB image moves
  marginals by up to 0.95 and 0.7 % of the labels), so the function reverses the channels too,
  as the official (``bgr=True``). :func:`stego_crf_image` rebuilds the official's image from
  the network input.

All take the image as ``H x W x 3`` ``uint8`` RGB (what ``pydensecrf`` reads; a non-contiguous
view is copied, any other dtype is an error rather than a silent cast) and are deterministic.
"""
from __future__ import annotations

import numpy as np

__all__ = ['crf_inference_prob', 'crf_inference_label', 'crf_from_logits', 'stego_crf_image',
           'check_crf_image']

PSA_GAUSSIAN = dict(sxy=3, compat=3)
PSA_BILATERAL = dict(sxy=80, srgb=13, compat=10)
IRN_GAUSSIAN = dict(sxy=3, compat=3)
IRN_BILATERAL = dict(sxy=50, srgb=5, compat=10)
STEGO_GAUSSIAN = dict(sxy=1, compat=3)
STEGO_BILATERAL = dict(sxy=67, srgb=3, compat=4)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def check_crf_image(img) -> np.ndarray:
    """``img`` as a C-contiguous, writeable ``H x W x 3`` ``uint8`` array (pydensecrf refuses a
    read-only buffer, e.g. ``np.asarray`` of a PIL image), or a ``ValueError`` saying why."""
    if hasattr(img, 'detach'):  # a torch tensor
        img = img.detach().cpu().numpy()
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'dense CRF: the image must be H x W x 3 (RGB, channels last), got shape '
                         f'{tuple(img.shape)}')
    if img.dtype != np.uint8:
        raise ValueError(f'dense CRF: the image must be uint8 (0..255 RGB, before normalisation), '
                         f'got {img.dtype}; pass the raw image, not the network input')
    if not (img.flags.c_contiguous and img.flags.writeable):
        img = np.array(img, order='C')
    return img


def _pairwise(d, img, gaussian, bilateral, scale_factor):
    g = dict(gaussian)
    b = dict(bilateral)
    if scale_factor <= 0:
        raise ValueError(f'dense CRF: scale_factor must be > 0, got {scale_factor}')
    d.addPairwiseGaussian(sxy=g.pop('sxy') / scale_factor, compat=g.pop('compat'), **g)
    d.addPairwiseBilateral(sxy=b.pop('sxy') / scale_factor, srgb=b.pop('srgb'), rgbim=img,
                           compat=b.pop('compat'), **b)


def crf_inference_prob(img, probs, t: int = 10, scale_factor: float = 1.0,
                       gaussian: dict | None = None, bilateral: dict | None = None,
                       normalized: bool = False) -> np.ndarray:
    """PSA's dense CRF on class scores.

    Args:
        img: ``H x W x 3`` uint8 RGB image.
        probs: ``C x H x W`` non-negative scores (PSA: bg ``(1 - max CAM)^alpha`` + the CAMs).
        t: Mean-field iterations.
        scale_factor: Both pairwise ``sxy`` are divided by it (PSA's argument, for an image
            rescaled by that factor).
        gaussian, bilateral: Pairwise kernels (defaults: PSA's ``sxy=3, compat=3`` and
            ``sxy=80, srgb=13, compat=10``).
        normalized: Require ``probs`` to sum to 1 over ``C`` at every pixel (within 1e-3).

    Returns:
        ``C x H x W`` float32 marginals (each pixel sums to 1).
    """
    import pydensecrf.densecrf as dcrf
    from pydensecrf.utils import unary_from_softmax

    img = check_crf_image(img)
    if hasattr(probs, 'detach'):
        probs = probs.detach().cpu().numpy()
    probs = np.asarray(probs)
    if not np.issubdtype(probs.dtype, np.floating):
        probs = probs.astype(np.float32)   # float64 stays float64 (the unary is cast after log)
    if probs.ndim != 3:
        raise ValueError(f'dense CRF: probs must be C x H x W, got shape {tuple(probs.shape)}')
    h, w = img.shape[:2]
    if probs.shape[1:] != (h, w):
        raise ValueError(f'dense CRF: probs size {probs.shape[1]}x{probs.shape[2]} (H x W) differs '
                         f'from the image size {h}x{w}')
    if not np.isfinite(probs).all() or (probs < 0).any():
        raise ValueError('dense CRF: probs must be finite and non-negative')
    if normalized:
        s = probs.sum(0)
        bad = np.abs(s - 1) > 1e-3
        if bad.any():
            y, x = np.argwhere(bad)[0]
            raise ValueError(f'dense CRF: probs must sum to 1 over the classes; they sum to '
                             f'{s[y, x]:.4f} at pixel (y={y}, x={x}) ({int(bad.sum())} pixels off)')
    n_labels = probs.shape[0]
    d = dcrf.DenseCRF2D(w, h, n_labels)
    d.setUnaryEnergy(np.ascontiguousarray(unary_from_softmax(probs)))
    _pairwise(d, img, PSA_GAUSSIAN if gaussian is None else gaussian,
              PSA_BILATERAL if bilateral is None else bilateral, scale_factor)
    q = d.inference(t)
    return np.array(q, dtype=np.float32).reshape((n_labels, h, w))


def crf_inference_label(img, labels, n_labels: int, t: int = 10, gt_prob: float = 0.7,
                        gaussian: dict | None = None, bilateral: dict | None = None,
                        scale_factor: float = 1.0) -> np.ndarray:
    """IRN's dense CRF on a label map.

    Args:
        img: ``H x W x 3`` uint8 RGB image.
        labels: ``H x W`` integer labels in ``0 .. n_labels - 1`` (IRN: the argmax of the CAMs
            padded with a constant background, i.e. indices into the image's ``keys``).
        n_labels: Number of labels.
        t: Mean-field iterations.
        gt_prob: Confidence of the given label, in ``(0, 1)``.
        gaussian, bilateral: Pairwise kernels (defaults: IRN's ``sxy=3, compat=3`` and
            ``sxy=50, srgb=5, compat=10``).
        scale_factor: Both pairwise ``sxy`` are divided by it (1 in IRN).

    Returns:
        ``H x W`` int64 labels (the argmax of the CRF marginals).
    """
    import pydensecrf.densecrf as dcrf
    from pydensecrf.utils import unary_from_labels

    img = check_crf_image(img)
    if hasattr(labels, 'detach'):
        labels = labels.detach().cpu().numpy()
    labels = np.asarray(labels)
    h, w = img.shape[:2]
    if labels.ndim != 2:
        raise ValueError(f'dense CRF: labels must be H x W, got shape {tuple(labels.shape)}')
    if labels.shape != (h, w):
        raise ValueError(f'dense CRF: label map size {labels.shape[0]}x{labels.shape[1]} (H x W) '
                         f'differs from the image size {h}x{w}')
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f'dense CRF: labels must be integers, got {labels.dtype}')
    if n_labels < 2:
        raise ValueError(f'dense CRF: n_labels must be >= 2, got {n_labels}')
    if labels.size and (labels.min() < 0 or labels.max() >= n_labels):
        raise ValueError(f'dense CRF: labels must lie in 0..{n_labels - 1} (n_labels={n_labels}), '
                         f'got values {int(labels.min())}..{int(labels.max())}')
    if not 0 < gt_prob < 1:
        raise ValueError(f'dense CRF: gt_prob must be in (0, 1), got {gt_prob}')
    d = dcrf.DenseCRF2D(w, h, n_labels)
    d.setUnaryEnergy(unary_from_labels(labels, n_labels, gt_prob=gt_prob, zero_unsure=False))
    _pairwise(d, img, IRN_GAUSSIAN if gaussian is None else gaussian,
              IRN_BILATERAL if bilateral is None else bilateral, scale_factor)
    q = d.inference(t)
    return np.argmax(np.array(q).reshape((n_labels, h, w)), axis=0)


def stego_crf_image(image, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> np.ndarray:
    """The CRF image STEGO / HP / PPAP build from a normalised ``3 x H x W`` network input.

    ``x * std + mean``, then torchvision's ``to_pil_image`` of a float tensor: ``mul(255)``
    and a cast to uint8 that truncates (no rounding) -- what the official ``dense_crf`` does
    before reversing the channels (which :func:`crf_from_logits` does). Returns RGB.
    """
    import torch

    x = torch.as_tensor(image).detach().cpu().float()
    if x.dim() != 3 or x.shape[0] != 3:
        raise ValueError(f'stego_crf_image: the image must be 3 x H x W, got {tuple(x.shape)}')
    x = x * torch.tensor(std).view(3, 1, 1) + torch.tensor(mean).view(3, 1, 1)
    return np.ascontiguousarray(x.mul(255).byte().permute(1, 2, 0).numpy())


def crf_from_logits(img, logits, t: int = 10, gaussian: dict | None = None,
                    bilateral: dict | None = None, bgr: bool = True) -> np.ndarray:
    """STEGO's dense CRF (HP, PPAP) on a probe's logits.

    Args:
        img: ``H x W x 3`` uint8 RGB image (:func:`stego_crf_image` of the network input).
        logits: ``C x h x w`` scores at any resolution (resized to ``H x W`` bilinearly).
        t: Mean-field iterations (10).
        gaussian, bilateral: Pairwise kernels (defaults: STEGO's ``sxy=1, compat=3`` and
            ``sxy=67, srgb=3, compat=4``).
        bgr: Give the bilateral term the channels reversed, as the official does (module
            docstring); ``img`` is RGB either way.

    Returns:
        ``C x H x W`` float32 marginals.
    """
    import torch
    import torch.nn.functional as F

    img = check_crf_image(img)
    if bgr:
        img = np.ascontiguousarray(img[:, :, ::-1])
    x = torch.as_tensor(logits).detach().cpu().float()
    if x.dim() != 3:
        raise ValueError(f'dense CRF: logits must be C x h x w, got shape {tuple(x.shape)}')
    h, w = img.shape[:2]
    x = F.interpolate(x[None], size=(h, w), mode='bilinear', align_corners=False)[0]
    probs = F.softmax(x, dim=0).numpy()
    return crf_inference_prob(img, probs, t=t,
                              gaussian=STEGO_GAUSSIAN if gaussian is None else gaussian,
                              bilateral=STEGO_BILATERAL if bilateral is None else bilateral)
