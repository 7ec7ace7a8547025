"""Synthetic video object segmentation data in the real on-disk layouts, with exact flow.

Each sequence shows one textured elliptical object translating over a textured background
that pans (the camera moves) with a different velocity. Motions are whole pixels per frame,
so the forward optical flow of every pixel is known exactly: the object's velocity on object
pixels and the background's velocity elsewhere. Flow is rendered as a colour-wheel image
(Middlebury coding, as RAFT's ``flow_to_image``), the format the HFAN / HGPU / HCPN code reads.
Everything is derived from ``seed``: the same call writes byte-identical files.

Layouts (see :mod:`cvshared.datasets.davis`): ``'davis'`` (DAVIS-2016 with ``FlowImages/480p``
and ``ImageSets/2016``), ``'davis2seg'`` (the official HFAN processed release),
``'youtube_objects'`` (``<category>/<video>``, sparse masks), ``'long_videos'``
(sparse masks) and ``'youtube_vos'`` (the YouTube-VOS 2018 train layout of the HGPU / HCPN
pre-training, frame pairs only).

Frame pairs (HGPU / HCPN, ``frame_pairs=True`` with ``'davis'``; always with ``'youtube_vos'``):
besides the per-frame files, every video gets the official extras:
``davis-flow/<seq>/<k>_<k+1>.png`` (n - 1 flow images; written like the official RAFT script,
``cv2.imwrite`` of the RGB colour wheel, so the file holds the wheel with red and blue swapped),
``davis-hed/<seq>/<k>.jpg`` (HED-like edge maps, :func:`hed_like_edges`: 255 on edges) and
``Annotations_ctr/480p/<seq>/<k>.png`` (contour ground truth, :func:`mask_contour`: the 3 x 3
morphological gradient of the mask, 0 / 255).
The extras use no random numbers, so the per-frame files stay byte-identical to a call without
them.
"""
from __future__ import annotations

import os
import os.path as osp

import cv2
import numpy as np

__all__ = ['make_colorwheel', 'flow_to_image', 'render_sequence', 'make_davis_synthetic',
           'hed_like_edges', 'mask_contour']


def make_colorwheel() -> np.ndarray:
    """The 55-colour Middlebury wheel (RY 15, YG 6, GC 4, CB 11, BM 13, MR 6), RGB 0..255.

    Along each segment one channel stays at 255 while the next one ramps up as
    ``floor(255 i / n)`` or the previous one ramps down as ``255 - floor(255 i / n)``.
    """
    # (length, channel held at 255, ramping channel, ramp direction)
    segments = [(15, 0, 1, +1), (6, 1, 0, -1), (4, 1, 2, +1), (11, 2, 1, -1), (13, 2, 0, +1),
                (6, 0, 2, -1)]
    rows = []
    for n, full, ramp, direction in segments:
        seg = np.zeros((n, 3))
        seg[:, full] = 255
        steps = np.floor(255 * np.arange(n) / n)
        seg[:, ramp] = steps if direction > 0 else 255 - steps
        rows.append(seg)
    return np.concatenate(rows)


def flow_to_image(flow: np.ndarray, max_flow: float | None = None) -> np.ndarray:
    """Colour-code a ``H x W x 2`` flow (u right, v down) as an RGB ``uint8`` image.

    Hue is the direction (rightward = red, as in the Middlebury / RAFT coding), saturation the
    magnitude normalised by ``max_flow`` (default: the largest magnitude in the image).
    """
    u, v = flow[..., 0].astype(np.float64), flow[..., 1].astype(np.float64)
    rad = np.sqrt(u ** 2 + v ** 2)
    scale = max_flow if max_flow is not None else rad.max()
    if scale > 0:
        u, v, rad = u / (scale + 1e-5), v / (scale + 1e-5), rad / (scale + 1e-5)
    wheel = make_colorwheel()
    ncols = wheel.shape[0]
    angle = np.arctan2(-v, -u) / np.pi
    fk = (angle + 1) / 2 * (ncols - 1)
    k0 = np.floor(fk).astype(int)
    k1 = (k0 + 1) % ncols
    f = (fk - k0)[..., None]
    col = ((1 - f) * wheel[k0] + f * wheel[k1]) / 255.0
    small = (rad <= 1)[..., None]
    col = np.where(small, 1 - rad[..., None] * (1 - col), col * 0.75)
    return np.floor(255 * col).astype(np.uint8)


def _texture(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Smooth random colour texture (upsampled noise) plus fine grain, RGB float 0..255."""
    coarse = rng.uniform(0, 255, size=(cells, cells, 3)).astype(np.float32)
    tex = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    tex += rng.normal(0, 12, size=(h, w, 3)).astype(np.float32)
    return np.clip(tex, 0, 255)


def render_sequence(rng: np.random.Generator, num_frames: int, size: tuple[int, int]):
    """One synthetic sequence: ``(frames T x H x W x 3 RGB uint8, masks T x H x W bool,
    flows T x H x W x 2 float32)``; ``flows[t]`` is the forward flow of frame t."""
    h, w = size
    # background: a periodic texture panned by an integer velocity (np.roll keeps it exact)
    bg = _texture(rng, h, w, cells=int(rng.integers(3, 7)))
    # the camera pans slowly (|v| <= 1 px) and the object moves faster (2-3 px along an axis),
    # so the object is the salient motion, as in DAVIS (the flow image normalises by the
    # largest magnitude, which is the object's)
    bvel = rng.integers(-1, 2, size=2)
    ry, rx = (rng.uniform(0.14, 0.22, size=2) * min(h, w)).astype(int) + 2
    ovel = rng.integers(-3, 4, size=2)
    axis = int(rng.integers(0, 2))
    ovel[axis] = int(rng.choice([-1, 1]) * rng.integers(2, 4))
    span_x, span_y = abs(ovel[0]) * (num_frames - 1), abs(ovel[1]) * (num_frames - 1)
    x0 = rng.integers(rx + 1, max(rx + 2, w - rx - 1 - span_x)) + (span_x if ovel[0] < 0 else 0)
    y0 = rng.integers(ry + 1, max(ry + 2, h - ry - 1 - span_y)) + (span_y if ovel[1] < 0 else 0)
    colours = rng.uniform(0, 255, size=(2, 3)).astype(np.float32)
    theta, period = rng.uniform(0, np.pi), rng.uniform(3, 7)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    frames, masks, flows = [], [], []
    for t in range(num_frames):
        cx, cy = x0 + ovel[0] * t, y0 + ovel[1] * t
        dx, dy = xx - cx, yy - cy
        mask = (dx / rx) ** 2 + (dy / ry) ** 2 <= 1.0
        stripe = (np.sin((dx * np.cos(theta) + dy * np.sin(theta)) * 2 * np.pi / period) > 0)
        obj = np.where(stripe[..., None], colours[0], colours[1])
        background = np.roll(bg, shift=(int(bvel[1] * t), int(bvel[0] * t)), axis=(0, 1))
        frame = np.where(mask[..., None], obj, background)
        flow = np.empty((h, w, 2), np.float32)
        flow[...] = bvel.astype(np.float32)
        flow[mask] = ovel.astype(np.float32)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
        masks.append(mask)
        flows.append(flow)
    return np.stack(frames), np.stack(masks), np.stack(flows)


def mask_contour(mask: np.ndarray) -> np.ndarray:
    """Contour ground truth of a binary mask: ``dilate_3x3 - erode_3x3``, uint8 0 / 255."""
    m = mask.astype(np.uint8) * 255
    kernel = np.ones((3, 3), np.uint8)
    return cv2.dilate(m, kernel) - cv2.erode(m, kernel)


def hed_like_edges(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A HED-like soft edge map (uint8, 255 = sure edge) of an RGB frame: the normalised Sobel
    magnitude of the blurred grey image at 0.6 strength (texture edges), with the object's
    boundary (the mask's contour, blurred) at full strength. Deterministic (no random numbers)."""
    grey = cv2.GaussianBlur(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32), (3, 3), 0)
    mag = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    texture = np.clip(1.5 * mag / (mag.max() + 1e-6), 0, 1) * 0.6
    boundary = cv2.GaussianBlur(mask_contour(mask).astype(np.float32) / 255.0, (5, 5), 0)
    boundary = np.clip(2.0 * boundary, 0, 1)
    return np.floor(255 * np.maximum(texture, boundary)).astype(np.uint8)


def _write_pair_extras(root: str, seq_dir: str, frames, masks, flows, stems, prefix: dict):
    """The HGPU / HCPN extras of one video (module docstring): pair flows, HED maps, contours."""
    for t, stem in enumerate(stems):
        _write(osp.join(root, prefix['hed'], seq_dir, stem + '.jpg'),
               hed_like_edges(frames[t], masks[t]))
        _write(osp.join(root, prefix['contour'], seq_dir, stem + '.png'), mask_contour(masks[t]))
        if t + 1 < len(stems):
            # the official RAFT script cv2.imwrite()s the RGB wheel: the file is channel-swapped
            _write(osp.join(root, prefix['flow'], seq_dir, f'{stem}_{stems[t + 1]}.png'),
                   flow_to_image(flows[t])[..., ::-1])


def _write(path: str, rgb_or_gray: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    img = rgb_or_gray[..., ::-1] if rgb_or_gray.ndim == 3 else rgb_or_gray  # RGB -> BGR file
    params = [cv2.IMWRITE_JPEG_QUALITY, 95] if path.endswith('.jpg') else []
    if not cv2.imwrite(path, np.ascontiguousarray(img), params):
        raise OSError(f'cannot write {path}')


def make_davis_synthetic(root: str, num_train: int = 6, num_val: int = 2, num_frames: int = 8,
                         size: tuple[int, int] = (64, 64), seed: int = 0,
                         layout: str = 'davis', annotate_every: int = 3,
                         frame_pairs: bool = False) -> dict:
    """Write a synthetic VOS data set under ``root`` and return ``{split: [sequences]}``.

    Args:
        num_train, num_val: sequences per split (named ``synth-train-000`` ...).
        num_frames: frames per sequence; size: ``(H, W)``.
        layout: ``'davis'``, ``'davis2seg'``, ``'youtube_objects'``, ``'long_videos'`` or
            ``'youtube_vos'`` (``<root>/train/...``: the train split's videos, frames named
            00000, 00005, ... as in the release, ``meta.json``; ``num_val`` videos are not
            written, YouTube-VOS's valid split being unannotated).
        annotate_every: for the sparse layouts, write a mask for every n-th frame only.
        frame_pairs: with ``'davis'``, also write the HGPU / HCPN frame-pair extras
            (``davis-flow``, ``davis-hed``, ``Annotations_ctr/480p``; module docstring).
    """
    if layout not in ('davis', 'davis2seg', 'youtube_objects', 'long_videos', 'youtube_vos'):
        raise ValueError(f'unknown layout {layout!r}')
    if frame_pairs and layout not in ('davis', 'youtube_vos'):
        raise ValueError(f"frame_pairs=True needs layout 'davis' or 'youtube_vos', got {layout!r}")
    if layout == 'youtube_vos':
        return _make_youtube_vos(root, num_train, num_frames, size, seed)
    splits = {'train': [f'synth-train-{i:03d}' for i in range(num_train)],
              'val': [f'synth-val-{i:03d}' for i in range(num_val)]}
    for s_idx, (split, names) in enumerate(splits.items()):
        for i, name in enumerate(names):
            rng = np.random.default_rng([seed, s_idx, i])
            frames, masks, flows = render_sequence(rng, num_frames, size)
            if layout == 'youtube_objects':  # <category>/<video>
                name = f'{("car", "dog")[i % 2]}/{name}'
            for t in range(num_frames):
                stem = f'{t:05d}'
                flow_img = flow_to_image(flows[t])
                mask = masks[t].astype(np.uint8) * 255
                if layout == 'davis':
                    _write(osp.join(root, 'JPEGImages/480p', name, stem + '.jpg'), frames[t])
                    _write(osp.join(root, 'FlowImages/480p', name, stem + '.jpg'), flow_img)
                    _write(osp.join(root, 'Annotations/480p', name, stem + '.png'), mask)
                elif layout == 'davis2seg':
                    flat = f'{name}_{stem}'
                    _write(osp.join(root, 'frame', split, flat + '.jpg'), frames[t])
                    _write(osp.join(root, 'flow', split, flat + '.jpg'), flow_img)
                    _write(osp.join(root, 'mask', split, flat + '.png'), mask)
                else:
                    _write(osp.join(root, 'JPEGImages', name, stem + '.jpg'), frames[t])
                    _write(osp.join(root, 'FlowImages', name, stem + '.jpg'), flow_img)
                    if t % annotate_every == 0:
                        _write(osp.join(root, 'Annotations', name, stem + '.png'), mask)
            if frame_pairs:
                _write_pair_extras(root, name, frames, masks, flows,
                                   [f'{t:05d}' for t in range(num_frames)],
                                   dict(flow='davis-flow', hed='davis-hed',
                                        contour='Annotations_ctr/480p'))
            names[i] = name
        if layout == 'davis':
            os.makedirs(osp.join(root, 'ImageSets/2016'), exist_ok=True)
            with open(osp.join(root, 'ImageSets/2016', f'{split}.txt'), 'w') as f:
                f.write(''.join(n + '\n' for n in names))
    return splits


def _make_youtube_vos(root: str, num_videos: int, num_frames: int, size: tuple[int, int],
                      seed: int) -> dict:
    """The YouTube-VOS 2018 train layout with the HGPU / HCPN extras (``make_davis_synthetic``
    with ``layout='youtube_vos'``)."""
    import json
    names = [f'synth{i:04d}' for i in range(num_videos)]
    train = osp.join(root, 'train')
    for i, name in enumerate(names):
        rng = np.random.default_rng([seed, 2, i])
        frames, masks, flows = render_sequence(rng, num_frames, size)
        stems = [f'{5 * t:05d}' for t in range(num_frames)]
        for t, stem in enumerate(stems):
            _write(osp.join(train, 'JPEGImages', name, stem + '.jpg'), frames[t])
            # palette-index mask as in the release (object id 1); merged into fg when loaded
            _write(osp.join(train, 'Annotations', name, stem + '.png'), masks[t].astype(np.uint8))
        _write_pair_extras(train, name, frames, masks, flows, stems,
                           dict(flow='YouTube-flow', hed='YouTubeVOS_2018-hed',
                                contour='Annotations_ctr'))
    stems = [f'{5 * t:05d}' for t in range(num_frames)]
    meta = {'videos': {n: {'objects': {'1': {'category': 'synthetic', 'frames': stems}}}
                       for n in names}}
    os.makedirs(train, exist_ok=True)
    with open(osp.join(train, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    return {'train': names, 'val': []}
