"""Pictures of the weakly supervised segmentation pipeline (pure numpy + PIL).

* :func:`jet` -- the jet colour map, ``r, g, b = clip(1.5 - |4v - c|, 0, 1)`` with ``c = 3, 2,
  1`` (matplotlib's piecewise-linear jet: 0 -> dark blue ``(0, 0, 0.5)``, 1 -> dark red
  ``(0.5, 0, 0)``).
* :func:`heat_overlay` -- ``rint((1 - alpha) img + alpha 255 jet(clip(v, 0, 1)))`` per pixel.
* :func:`label_overlay` -- ``rint((1 - alpha) img + alpha palette[k])`` at pixels of class
  ``k >= 1``; background (0) pixels keep the image; ignore (255) pixels are opaque white (the
  VOC object boundaries).
* :func:`draw_cam_overlay` -- one heat panel per class CAM, captioned with the class name.
* :func:`draw_label_overlay` -- the label overlay, captioned.
* :func:`draw_pipeline` -- image | CAM | propagated map | pseudo label (| ground truth).

Every panel is the image's width; a caption band of :data:`CAPTION_H` pixels (white text on
black) sits above each panel when ``caption`` is true, so the picture of ``n`` panels is
``(H + CAPTION_H) x n W x 3`` uint8, panels side by side without gaps.  Images are ``H x W x 3``
uint8 RGB (a ``3 x H x W`` tensor or array is accepted too).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = ['CAPTION_H', 'jet', 'heat_overlay', 'label_overlay', 'caption_panel',
           'draw_cam_overlay', 'draw_label_overlay', 'draw_pipeline']

CAPTION_H = 14
IGNORE = 255


def _np(x):
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)


def _image(img) -> np.ndarray:
    img = _np(img)
    if img.ndim == 3 and img.shape[0] == 3 and img.shape[2] != 3:
        img = img.transpose(1, 2, 0)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'draw: the image must be H x W x 3 RGB, got shape {tuple(img.shape)}')
    if img.dtype != np.uint8:
        raise ValueError(f'draw: the image must be uint8 (0..255), got {img.dtype}')
    return np.ascontiguousarray(img)


def _check_size(what, shape, img):
    if tuple(shape) != img.shape[:2]:
        raise ValueError(f'draw: the {what} is {shape[0]}x{shape[1]} (H x W) but the image is '
                         f'{img.shape[0]}x{img.shape[1]}')


def jet(v: np.ndarray) -> np.ndarray:
    """``... -> ... x 3`` float RGB in [0, 1] of values ``v`` in [0, 1] (clipped)."""
    v = np.clip(np.asarray(v, np.float64), 0, 1)[..., None]
    return np.clip(1.5 - np.abs(4 * v - np.array([3.0, 2.0, 1.0])), 0, 1)


def heat_overlay(img, v, alpha: float = 0.5) -> np.ndarray:
    """The jet heat map of ``v`` (``H x W``, values in [0, 1]) blended over ``img``."""
    img = _image(img)
    v = _np(v)
    _check_size('heat map', v.shape, img)
    out = (1 - alpha) * img.astype(np.float64) + alpha * 255.0 * jet(v)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def label_overlay(img, label, palette: Sequence[Sequence[int]], alpha: float = 0.5) -> np.ndarray:
    """``label`` (``H x W``, class ids and 255) in ``palette`` colours over ``img``."""
    img = _image(img)
    label = _np(label)
    _check_size('label map', label.shape, img)
    pal = np.asarray(palette, np.float64).reshape(-1, 3)
    valid = label != IGNORE
    if valid.any() and (label[valid].min() < 0 or label[valid].max() >= len(pal)):
        raise ValueError(f'draw: label ids must lie in 0..{len(pal) - 1} or be {IGNORE}, got '
                         f'{int(label[valid].min())}..{int(label[valid].max())}')
    out = img.astype(np.float64)
    fg = valid & (label > 0)
    out[fg] = (1 - alpha) * out[fg] + alpha * pal[label[fg]]
    out[~valid] = 255.0
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def caption_panel(panel: np.ndarray, text: str) -> np.ndarray:
    """``panel`` with a ``CAPTION_H``-pixel black band holding ``text`` (white) on top."""
    h, w = panel.shape[:2]
    band = Image.new('RGB', (w, CAPTION_H), (0, 0, 0))
    ImageDraw.Draw(band).text((2, 1), text, fill=(255, 255, 255),
                              font=ImageFont.load_default())
    return np.concatenate([np.asarray(band), panel], axis=0)


def _row(panels, captions, caption):
    if caption:
        panels = [caption_panel(p, c) for p, c in zip(panels, captions)]
    return np.concatenate(panels, axis=1)


def _cams(cam, img):
    cam = _np(cam).astype(np.float64)
    if cam.ndim == 2:
        cam = cam[None]
    if cam.ndim != 3:
        raise ValueError(f'draw: a CAM must be K x H x W, got shape {tuple(cam.shape)}')
    _check_size('CAM', cam.shape[1:], img)
    return cam


def _max_map(cam):
    """Maximum over the classes, divided by its maximum (an all-zero map stays 0)."""
    m = cam.max(0) if cam.shape[0] else np.zeros(cam.shape[1:])
    top = m.max() if m.size else 0
    return m / top if top > 0 else m


def draw_cam_overlay(img, cam, keys, class_names: Sequence[str] | None = None,
                     alpha: float = 0.5, caption: bool = True) -> np.ndarray:
    """One heat panel per CAM: ``cam[i]`` (``K x H x W``, values in [0, 1]) of class
    ``keys[i]`` (0-based foreground index, as :func:`cvshared.wsss.cam.multiscale_cam`
    returns), captioned ``class_names[keys[i]]`` (or the index)."""
    img = _image(img)
    cam = _cams(cam, img)
    keys = [int(k) for k in _np(keys).reshape(-1)]
    if len(keys) != cam.shape[0]:
        raise ValueError(f'draw: {len(keys)} keys for {cam.shape[0]} CAMs')
    if not keys:
        return _row([img], ['no class'], caption)
    names = [class_names[k] if class_names is not None else str(k) for k in keys]
    return _row([heat_overlay(img, c, alpha) for c in cam], names, caption)


def draw_label_overlay(img, label, palette: Sequence[Sequence[int]], alpha: float = 0.5,
                       caption: str | None = 'label') -> np.ndarray:
    """The label overlay of :func:`label_overlay`, captioned ``caption`` (None: no band)."""
    out = label_overlay(img, label, palette, alpha)
    return caption_panel(out, caption) if caption is not None else out


def draw_pipeline(img, cam, rw, label, gt=None, palette: Sequence[Sequence[int]] | None = None,
                  alpha: float = 0.5, caption: bool = True) -> np.ndarray:
    """image | CAM | propagated map | pseudo label (| ground truth), side by side.

    Args:
        img: ``H x W x 3`` uint8.
        cam: ``K x H x W`` foreground CAMs; the panel is the jet map of their maximum over the
            classes, divided by its maximum.
        rw: The propagated (random-walk) scores of the foreground classes, ``K x H x W`` (drop
            the background row), drawn as ``cam``; or an ``H x W`` integer label map, drawn as
            a label overlay.
        label: ``H x W`` pseudo label (class ids 0..20, 255 ignore).
        gt: Optional ``H x W`` ground truth, drawn like ``label``.
        palette: Label colours (default: the VOC palette).
    """
    if palette is None:
        from ..datasets.voc import voc_palette
        palette = voc_palette()
    img = _image(img)
    panels = [img, heat_overlay(img, _max_map(_cams(cam, img)), alpha)]
    rw_np = _np(rw)
    if rw_np.ndim == 2 and np.issubdtype(rw_np.dtype, np.integer):
        panels.append(label_overlay(img, rw_np, palette, alpha))
    else:
        panels.append(heat_overlay(img, _max_map(_cams(rw_np, img)), alpha))
    panels.append(label_overlay(img, label, palette, alpha))
    captions = ['image', 'CAM', 'random walk', 'pseudo label']
    if gt is not None:
        panels.append(label_overlay(img, gt, palette, alpha))
        captions.append('ground truth')
    return _row(panels, captions, caption)
