"""Multi-scale + flip CAM inference, the background channel, and the CAM files of PSA and IRN.

:func:`multiscale_cam` runs a CAM network over an image at several scales and flips and fuses
the maps as one of the two official scripts does (``variant``):

``'irn'`` (IRN ``step/make_cam.py`` + ``voc12/dataloader.py::VOC12ClassificationDatasetMSF``)
    For each scale ``s`` the image is resized to ``(round(H s), round(W s))`` (no resize at
    ``s == 1``) and batched with its horizontal flip; the CAM network output ``o`` (``2 x C x
    h' x w'``, ReLU) is fused as ``o[0] + flip(o[1])``.  Each scale's map is resized bilinearly
    (``align_corners=False``) to the stride-``stride`` size ``((H - 1) // stride + 1, (W - 1) //
    stride + 1)`` and summed over the scales (``cam``), and to the stride-``up_stride`` size
    rounded up (``((H - 1) // 16 + 1) * 16`` for ``up_stride=16``), summed and cropped to
    ``H x W`` (``high_res``).  Only the image's classes are kept (``keys = nonzero(label)``),
    and each map is divided by its own maximum ``+ 1e-5``.
``'psa'`` (PSA ``infer_cls.py`` + ``voc12/data.py::VOC12ClsDatasetMSF``)
    The same resized images, each forwarded with its flip as a separate image; each map (ReLU)
    is resized bilinearly to ``H x W``, multiplied by the label vector, flipped back, and the
    ``2 x len(scales)`` maps are summed; each class map is divided by its maximum ``+ 1e-5``
    and the image's classes are kept.  ``cam`` and ``high_res`` are the same full-size maps.

Resizing.  The official scripts resize the *uint8* image with PIL's bicubic filter and normalise
afterwards.  Given a ``uint8`` image, :func:`multiscale_cam` does exactly that (``normalize`` is
then applied to each resized float image, values 0..255).  Given a float (already normalised)
image it resizes with ``torch.nn.functional.interpolate(mode='bicubic', antialias=True)``,
which is close to but not bit-equal with PIL (no uint8 rounding / clipping in between).

Background.  :func:`background` builds the background channel both papers stack in front of the
foreground CAMs: a constant (IRN ``np.pad(..., constant_values=...)``: 0.30 for the confident
foreground, 0.05 for the confident background of ``cam_to_ir_label``, 0.25 for
``make_sem_seg_labels``; PSA's evaluation score 0.2) or ``(1 - max_c CAM_c)^alpha`` (PSA: alpha
4 and 32 for the affinity labels, 16 for the random walk).

Files.  :func:`save_cam` writes ``<dir>/<name>.npy`` the way the official scripts do, an
``np.save`` of a dict: IRN ``{'keys': int64[K], 'cam': float32[K, h4, w4], 'high_res':
float32[K, H, W]}`` (official IRN stores ``keys`` and ``cam`` as torch tensors; we store numpy
arrays, which the official readers accept as well), PSA ``{class index (0..19): float32[H, W]}``.
:func:`load_cam` reads either format (and official IRN files with tensors) without running
arbitrary pickled code: only numpy arrays, dtypes and torch tensors are rebuilt.
"""
from __future__ import annotations

import os
import os.path as osp
import pickle
import tempfile
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ['IRN_SCALES', 'PSA_SCALES', 'multiscale_cam', 'scaled_size', 'strided_size',
           'strided_up_size', 'background', 'cam_label', 'save_cam', 'load_cam', 'check_cam_size',
           'CamFileError']

IRN_SCALES = (1.0, 0.5, 1.5, 2.0)
PSA_SCALES = (1.0, 0.5, 1.5, 2.0)


class CamFileError(RuntimeError):
    """A CAM file is missing, unreadable or does not fit its image."""


def strided_size(size: Sequence[int], stride: int) -> tuple[int, int]:
    """IRN ``get_strided_size``: ``((H - 1) // stride + 1, (W - 1) // stride + 1)``."""
    return (size[0] - 1) // stride + 1, (size[1] - 1) // stride + 1


def strided_up_size(size: Sequence[int], stride: int) -> tuple[int, int]:
    """IRN ``get_strided_up_size``: the strided size times ``stride`` (>= the size)."""
    h, w = strided_size(size, stride)
    return h * stride, w * stride


def scaled_size(size: Sequence[int], scale: float) -> tuple[int, int]:
    """``(round(H s), round(W s))`` with Python's rounding (half to even), as both scripts."""
    return int(round(size[0] * scale)), int(round(size[1] * scale))


def _pil_bicubic(img_hwc: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.fromarray(img_hwc).resize((size[1], size[0]), Image.BICUBIC))


def _scaled_inputs(img: torch.Tensor, scales, normalize):
    """Yield ``3 x h x w`` float network inputs, one per scale."""
    if img.ndim != 3 or img.shape[0] != 3:
        raise ValueError(f'multiscale_cam: img must be 3 x H x W, got {tuple(img.shape)}')
    size = tuple(img.shape[1:])
    if img.dtype == torch.uint8:
        hwc = np.ascontiguousarray(img.permute(1, 2, 0).cpu().numpy())
        for s in scales:
            out = hwc if s == 1 else _pil_bicubic(hwc, scaled_size(size, s))
            x = torch.from_numpy(np.array(out, copy=True)).permute(2, 0, 1).float()
            x = x.to(img.device)
            yield normalize(x) if normalize is not None else x
    elif img.is_floating_point():
        x0 = normalize(img) if normalize is not None else img
        for s in scales:
            if s == 1:
                yield x0
            else:
                yield F.interpolate(x0[None], scaled_size(size, s), mode='bicubic',
                                    align_corners=False, antialias=True)[0]
    else:
        raise ValueError(f'multiscale_cam: img must be uint8 (raw) or float, got {img.dtype}')


def _keys(label, n_classes, device):
    if label is None:
        return torch.arange(n_classes, device=device)
    label = torch.as_tensor(label, device=device)
    if label.ndim != 1 or label.numel() != n_classes:
        raise ValueError(f'multiscale_cam: label must be a vector of {n_classes} class flags '
                         f'(the CAM network has {n_classes} classes), got shape '
                         f'{tuple(label.shape)}')
    return torch.nonzero(label)[:, 0]


@torch.no_grad()
def multiscale_cam(cam_fn: Callable[[torch.Tensor], torch.Tensor], img: torch.Tensor,
                   scales: Sequence[float] = IRN_SCALES, flip: bool = True, variant: str = 'irn',
                   stride: int = 4, label: torch.Tensor | None = None, *,
                   normalize: Callable[[torch.Tensor], torch.Tensor] | None = None,
                   up_stride: int = 16, relu: bool = True) -> dict:
    """Fused multi-scale (+ flip) CAMs of one image.

    Args:
        cam_fn: The CAM network forward, ``N x 3 x h x w -> N x C x h' x w'`` (class maps before
            pooling; PSA ``forward_cam``, IRN ``CAM.forward`` without its flip fusion).
        img: ``3 x H x W``: ``uint8`` raw RGB (resized with PIL bicubic as officially, then
            ``normalize``) or float (already normalised, resized with torch bicubic).
        scales: Image scales (both papers: ``(1, 0.5, 1.5, 2)``).
        flip: Add the horizontal flip of every scale.
        variant: ``'irn'`` or ``'psa'`` (module docstring).
        stride: IRN: stride of ``cam`` (4).  Unused by ``'psa'``.
        label: ``[C]`` image-level label (non-zero = present); ``None`` keeps every class.
        normalize: Applied to each resized float image (uint8 input only).
        up_stride: IRN: ``high_res`` is resized to the image size rounded up to this stride,
            then cropped (IRN's ``get_strided_up_size(size, 16)``).
        relu: Apply ReLU to the network output (both official CAM forwards end with one; a
            no-op when ``cam_fn`` already does).

    Returns:
        ``dict(keys=int64[K], cam=float[K, h, w], high_res=float[K, H, W])`` on ``img``'s
        device: ``keys`` the kept class indices (0-based, without background), ``cam`` at
        stride ``stride`` (IRN) or full size (PSA), ``high_res`` full size; each map's maximum
        is ``max / (max + 1e-5)`` (``~1``) unless the map is all zero.
    """
    if variant not in ('irn', 'psa'):
        raise ValueError(f"multiscale_cam: variant must be 'irn' or 'psa', got {variant!r}")
    size = tuple(img.shape[1:])
    cam_sum = hr_sum = None
    lab = None
    for x in _scaled_inputs(img, scales, normalize):
        batch = torch.stack([x, x.flip(-1)]) if flip else x[None]
        out = cam_fn(batch)
        if out.ndim != 4 or out.shape[0] != batch.shape[0]:
            raise ValueError(f'multiscale_cam: cam_fn must map N x 3 x h x w to N x C x h\' x w\', '
                             f'got {tuple(out.shape)} for an input of {tuple(batch.shape)}')
        if relu:
            out = F.relu(out)
        if variant == 'irn':
            o = out[0] + out[1].flip(-1) if flip else out[0]
            c = F.interpolate(o[None], strided_size(size, stride), mode='bilinear',
                              align_corners=False)[0]
            hr = F.interpolate(o[None], strided_up_size(size, up_stride), mode='bilinear',
                               align_corners=False)[0, :, :size[0], :size[1]]
            cam_sum = c if cam_sum is None else cam_sum + c
            hr_sum = hr if hr_sum is None else hr_sum + hr
        else:
            up = F.interpolate(out, size, mode='bilinear', align_corners=False)
            if lab is None:
                lab = (torch.ones(out.shape[1], device=up.device, dtype=up.dtype) if label is None
                       else torch.as_tensor(label, device=up.device, dtype=up.dtype))
                if lab.numel() != out.shape[1]:
                    raise ValueError(f'multiscale_cam: label has {lab.numel()} entries, the CAM '
                                     f'network {out.shape[1]} classes')
            up = up * lab.view(1, -1, 1, 1)
            if flip:
                up = torch.cat([up[:1], up[1:].flip(-1)])
            s = up.sum(0)
            hr_sum = s if hr_sum is None else hr_sum + s
    keys = _keys(label, hr_sum.shape[0], hr_sum.device)
    if variant == 'irn':
        cam = cam_sum[keys]
        cam = cam / (F.adaptive_max_pool2d(cam, (1, 1)) + 1e-5)
        high_res = hr_sum[keys]
        high_res = high_res / (F.adaptive_max_pool2d(high_res, (1, 1)) + 1e-5)
    else:
        norm = hr_sum / (hr_sum.amax(dim=(1, 2), keepdim=True) + 1e-5)
        cam = high_res = norm[keys]
    return dict(keys=keys, cam=cam, high_res=high_res)


def background(cam, mode: str = 'const', value: float = 0.25, alpha: float = 16.0):
    """The background channel for the ``K x H x W`` foreground CAMs ``cam``, ``1 x H x W``.

    ``mode='const'``: ``value`` everywhere (IRN: 0.30 / 0.05 / 0.25, PSA's eval 0.2).
    ``mode='power'``: ``(1 - max_k cam_k)^alpha`` (PSA: 4, 32, 16); with no foreground class
    (``K = 0``) the maximum is taken as 0, so the background is 1.
    Works on numpy arrays and torch tensors (returns the same kind); stack it in front of the
    CAMs (``concatenate([bg, cam])``) so that label ``k + 1`` is ``keys[k] + 1``.
    """
    is_np = not torch.is_tensor(cam)
    t = torch.as_tensor(np.asarray(cam)) if is_np else cam
    if t.ndim != 3:
        raise ValueError(f'background: cam must be K x H x W, got shape {tuple(t.shape)}')
    if mode == 'const':
        bg = torch.full((1,) + tuple(t.shape[1:]), float(value), dtype=t.dtype, device=t.device)
    elif mode == 'power':
        m = t.amax(0, keepdim=True) if t.shape[0] else torch.zeros(
            (1,) + tuple(t.shape[1:]), dtype=t.dtype, device=t.device)
        bg = torch.pow(1 - m, alpha)
    else:
        raise ValueError(f"background: mode must be 'const' or 'power', got {mode!r}")
    return bg.numpy() if is_np else bg


def cam_label(keys, cams, bg: float) -> torch.Tensor:
    """The CAM-only label map: VOC ids (0 background, ``keys[k] + 1``) of the argmax of
    ``[bg, cams_0, ..., cams_{K-1}]``, a constant background score ``bg`` in front of the
    ``K x H x W`` normalised CAMs of the classes ``keys`` (0-based). ``int64 H x W`` on the CPU;
    numpy or torch input. Ties go to the lower channel, background first (``argmax``)."""
    cams = (cams if torch.is_tensor(cams) else torch.as_tensor(np.asarray(cams))).float().cpu()
    keys = torch.as_tensor(np.asarray(keys) if not torch.is_tensor(keys) else keys).long().cpu()
    if cams.ndim != 3 or cams.shape[0] != keys.numel():
        raise ValueError(f'cam_label: cams must be K x H x W with K = len(keys) = {keys.numel()}, '
                         f'got shape {tuple(cams.shape)}')
    stack = torch.cat([background(cams, 'const', bg), cams])
    lut = torch.cat([torch.zeros(1, dtype=torch.long), keys + 1])
    return lut[stack.argmax(0)]


def check_cam_size(cam_dict: dict, image_size: Sequence[int], stride: int | None = 4,
                   name: str = 'CAM') -> None:
    """Raise :class:`CamFileError` naming both sizes when ``high_res`` (and ``cam`` at
    ``stride``, for IRN files) does not fit an ``H x W`` image."""
    h, w = int(image_size[0]), int(image_size[1])
    hr = cam_dict['high_res']
    if tuple(hr.shape[-2:]) != (h, w):
        raise CamFileError(f'{name}: the CAM is {hr.shape[-2]}x{hr.shape[-1]} (H x W) but its '
                           f'image is {h}x{w}; the CAMs were made for other images '
                           f'(rerun make_cam)')
    if stride is not None and cam_dict.get('cam') is not None and cam_dict['cam'] is not hr:
        c = cam_dict['cam']
        want = strided_size((h, w), stride)
        if tuple(c.shape[-2:]) not in (want, (h, w)):
            raise CamFileError(f'{name}: the stride-{stride} CAM is {c.shape[-2]}x{c.shape[-1]} '
                               f'but an image of {h}x{w} needs {want[0]}x{want[1]} '
                               f'(rerun make_cam)')


def _np(x):
    return x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)


def save_cam(path: str, cam_dict: dict, format: str = 'irn') -> None:
    """Write ``cam_dict`` (as :func:`multiscale_cam` returns) to ``path`` (``<name>.npy``).

    ``format='irn'``: ``{'keys', 'cam', 'high_res'}`` as numpy arrays (int64, float32, float32);
    ``format='psa'``: ``{key: high_res[k]}`` (PSA's ``infer_cls.py --out_cam``).
    """
    keys = _np(cam_dict['keys']).astype(np.int64)
    high_res = _np(cam_dict['high_res']).astype(np.float32)
    if format == 'irn':
        obj = {'keys': keys, 'cam': _np(cam_dict['cam']).astype(np.float32), 'high_res': high_res}
    elif format == 'psa':
        obj = {int(k): high_res[i] for i, k in enumerate(keys)}
    else:
        raise ValueError(f"save_cam: format must be 'irn' or 'psa', got {format!r}")
    d = osp.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    np.save(path, obj)


def _storage_from_bytes(b: bytes):
    """A tensor storage pickled inside an official IRN CAM file (``torch.storage.
    _load_from_bytes`` would unpickle it with weights_only off): loaded through the
    repository's safe checkpoint loader instead."""
    from ..checkpoint import load_checkpoint_file
    with tempfile.TemporaryDirectory() as d:
        path = osp.join(d, 'storage.pt')
        with open(path, 'wb') as f:
            f.write(b)
        return load_checkpoint_file(path)


class _SafeUnpickler(pickle.Unpickler):
    """Rebuilds numpy arrays / dtypes / scalars and torch tensors only."""

    _ALLOWED = {
        ('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
        ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar'),
        ('numpy', 'ndarray'), ('numpy', 'dtype'), ('collections', 'OrderedDict'),
        ('torch._utils', '_rebuild_tensor_v2'),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        if module.startswith('numpy') and name.endswith('DType'):  # numpy.dtypes.Float32DType
            return super().find_class(module, name)
        if (module, name) == ('torch.storage', '_load_from_bytes'):
            return _storage_from_bytes
        raise pickle.UnpicklingError(f'refusing to rebuild {module}.{name}')


def _read_npy_object(path: str):
    with open(path, 'rb') as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        if not dtype.hasobject:
            raise CamFileError(f'{path}: holds a plain {dtype} array of shape {shape}, not a '
                               f'CAM dict')
        arr = _SafeUnpickler(f).load()
    return arr.item() if isinstance(arr, np.ndarray) and arr.shape == () else arr


def load_cam(path: str, image_size: Sequence[int] | None = None, stride: int | None = 4,
             stage: str = 'make_cam') -> dict:
    """Read a CAM file of either format as ``dict(keys=int64[K], cam=float32[K, h, w],
    high_res=float32[K, H, W])`` (numpy; PSA files give ``cam = high_res``).

    A missing file raises ``FileNotFoundError`` naming it and the stage (``stage``) that
    writes it; with ``image_size`` a CAM of another size raises :class:`CamFileError`.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'CAM file {path!r} not found: run the {stage} stage first '
                                f'(it writes <cam_dir>/<name>.npy for every image)')
    try:
        obj = _read_npy_object(path)
    except (pickle.UnpicklingError, ValueError, EOFError, OSError) as e:
        raise CamFileError(f'{path}: not a CAM file written by {stage} ({e})') from e
    if not isinstance(obj, dict):
        raise CamFileError(f'{path}: holds a {type(obj).__name__}, not a CAM dict')
    if 'high_res' in obj:
        out = dict(keys=_np(obj['keys']).astype(np.int64),
                   cam=_np(obj['cam']).astype(np.float32),
                   high_res=_np(obj['high_res']).astype(np.float32))
    elif all(isinstance(k, (int, np.integer)) for k in obj):
        keys = np.array(sorted(int(k) for k in obj), dtype=np.int64)
        if len(keys):
            hr = np.stack([np.asarray(obj[int(k)], np.float32) for k in keys])
        else:  # an image without classes: PSA's empty dict does not keep the size
            hr = np.zeros((0,) + (tuple(image_size) if image_size is not None else (0, 0)),
                          np.float32)
        out = dict(keys=keys, cam=hr, high_res=hr)
    else:
        raise CamFileError(f'{path}: a dict with keys {sorted(map(str, obj))[:5]}, neither IRN\'s '
                           f"{{'keys', 'cam', 'high_res'}} nor PSA's {{class index: map}}")
    if image_size is not None:
        check_cam_size(out, image_size, stride=stride, name=path)
    return out
