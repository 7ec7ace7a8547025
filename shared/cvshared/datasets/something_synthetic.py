"""A synthetic motion-only data set in the official Something-Something V2 layout.

Each video shows one **stationary random texture on the torus** (white noise low-pass filtered
in the Fourier domain with a periodic Gaussian, so its distribution is invariant to cyclic
shifts) that translates with wrap-around by a whole number of pixels per frame:
``frame_t = roll(texture, t * (v_y, v_x))``. The class is the direction (and, for 8 classes, the
speed) of that translation and nothing else:

* the appearance of a video (texture correlation length, the two grey levels it blends, a
  colour tint, contrast) is drawn from the generator independently of the class;
* every frame is a cyclic shift of a stationary field, so the distribution of any single frame
  (of its pixels, histogram, mean image ...) is *exactly* the same for every class and every
  time step; only pairs of frames carry the label.  ``shared/tests/datasets/test_something_
  synthetic.py`` measures it: logistic regression on single frames stays at chance, the same on
  frame-pair features is far above.

Classes (``num_classes``): 2 = right / left, 4 = right / left / down / up (at ``speeds[0]``),
8 = those four directions at ``speeds[0]`` (slow) and ``speeds[1]`` (fast).  Speeds are pixels per
frame of the written video; the default ``speeds=None`` takes ``max(1, W // 32)`` and three times
that, i.e. 2 and 6 px at 64 x 64.

Layout written under ``root`` (the released SS-V2 layout, read by
:class:`cvshared.datasets.something.SthV2Dataset`)::

    root/
      20bn-something-something-v2/<id>.webm     VP9 (libvpx-vp9, yuv420p), 12 fps as released
      labels/something-something-v2-labels.json      {"<template without brackets>": "<index>"}
      labels/something-something-v2-train.json       [{"id", "label", "template", "placeholders"}]
      labels/something-something-v2-validation.json
      labels/something-something-v2-test.json       [{"id"}] (the validation videos, no labels)

Templates are written like the released ones (``"Pushing [something] from left to right"``; the
labels file keys drop the brackets, as the official one, and TSM's ``process_dataset_v2``
normalises ``template`` with ``.replace('[', '').replace(']', '')``).  Everything follows from
``seed``: the same call writes byte-identical files (single-threaded encoder, bit-exact muxer).
"""
from __future__ import annotations

import json
import os
import os.path as osp
from fractions import Fraction

import numpy as np

__all__ = ['SYNTHETIC_TEMPLATES', 'synthetic_classes', 'render_motion_clip', 'write_webm',
           'write_webms', 'write_synthetic_sthv2']

VIDEO_DIR = '20bn-something-something-v2'
FPS = 12

# (template, unit direction (dy, dx)); direction order defines the class index order.
_DIRECTIONS = (
    ('Pushing [something] from left to right', (0, 1)),
    ('Pushing [something] from right to left', (0, -1)),
    ('Moving [something] down', (1, 0)),
    ('Moving [something] up', (-1, 0)),
)
SYNTHETIC_TEMPLATES = tuple(t for t, _ in _DIRECTIONS)
_PLACEHOLDERS = ('texture', 'pattern', 'noise', 'cloth', 'paper', 'carpet')


def synthetic_classes(num_classes: int, size: tuple[int, int] = (64, 64),
                      speeds: tuple[int, ...] | None = None) -> list[dict]:
    """The class table: ``[{'template', 'velocity': (vy, vx) px/frame, 'speed'}]`` by index."""
    w = size[1]
    if speeds is None:
        base = max(1, w // 32)
        speeds = (base, 3 * base)
    speeds = tuple(int(s) for s in speeds)
    if num_classes in (2, 4):
        rows = [(t, d, speeds[0], '') for t, d in _DIRECTIONS[:num_classes]]
    elif num_classes == 8:
        if len(speeds) < 2 or speeds[0] == speeds[1]:
            raise ValueError(f'8 classes need two different speeds, got speeds={speeds}')
        rows = [(t, d, s, tag) for s, tag in ((speeds[0], ' slowly'), (speeds[1], ' quickly'))
                for t, d in _DIRECTIONS]
    else:
        raise ValueError(f'num_classes must be 2, 4 or 8 (directions x speeds), got {num_classes}')
    h = size[0]
    out = []
    for template, (dy, dx), speed, tag in rows:
        if speed <= 0 or speed >= min(h, w) // 2:
            raise ValueError(f'speed {speed} px/frame must be in 1..{min(h, w) // 2 - 1} for '
                             f'frames of {size} (a cyclic shift of half the frame is ambiguous)')
        out.append({'template': template + tag, 'velocity': (dy * speed, dx * speed),
                    'speed': speed})
    return out


def _stationary_texture(rng: np.random.Generator, h: int, w: int, corr_len: float) -> np.ndarray:
    """Zero-mean, unit-variance Gaussian field on the ``h x w`` torus (periodic Gaussian filter)."""
    noise = rng.standard_normal((h, w))
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    # Fourier transform of a Gaussian of std corr_len px (periodic convolution).
    kernel = np.exp(-2 * (np.pi * corr_len) ** 2 * (fy ** 2 + fx ** 2))
    field = np.real(np.fft.ifft2(np.fft.fft2(noise) * kernel))
    return (field - field.mean()) / (field.std() + 1e-12)


def render_motion_clip(rng: np.random.Generator, velocity: tuple[int, int], num_frames: int,
                       size: tuple[int, int] = (64, 64)) -> np.ndarray:
    """One clip ``(T, H, W, 3)`` RGB uint8: a random texture translating by ``velocity``
    ``(vy, vx)`` px per frame with wrap-around.  The appearance draws from ``rng`` do not
    depend on ``velocity``."""
    h, w = size
    corr_len = rng.uniform(1.5, 3.0)
    tex = _stationary_texture(rng, h, w, corr_len)
    # two grey levels at least 60 apart plus one colour tint shared by both: the texture lives
    # in the luma (yuv420p keeps it at full resolution; fine chroma would be lost to subsampling)
    lo = rng.uniform(20, 135)
    hi = rng.uniform(lo + 60, 235)
    tint = rng.uniform(-20, 20, size=3)
    contrast = rng.uniform(1.5, 3.0)
    mix = 1.0 / (1.0 + np.exp(-contrast * tex))
    img = (lo + (hi - lo) * mix)[..., None] + tint
    img = np.clip(img, 0, 255).astype(np.uint8)
    vy, vx = velocity
    return np.stack([np.roll(img, (t * vy, t * vx), axis=(0, 1)) for t in range(num_frames)])


def _open_stream(container, codec: str, fps: int, h: int, w: int, crf: int):
    stream = container.add_stream(codec, rate=fps)
    stream.width, stream.height, stream.pix_fmt = w, h, 'yuv420p'
    stream.thread_count = 1
    if codec.startswith('libvpx'):
        stream.options = {'crf': str(crf), 'b': '0', 'deadline': 'good', 'cpu-used': '8',
                          'threads': '1', 'row-mt': '0', 'lag-in-frames': '0',
                          'flags': '+bitexact'}
    else:  # e.g. 'mpeg4' / 'libx264' for the .avi / .mp4 fixtures of other data sets
        stream.options = {'threads': '1', 'flags': '+bitexact', 'qscale': '2'}
    return stream


def _encode_in_process(path: str, frames: np.ndarray, fps: int, codec: str, crf: int) -> None:
    import av  # cvshared[video]
    h, w = frames.shape[1:3]
    # the container format follows the extension (.webm, .mp4, .avi, ...)
    with av.open(path, 'w', options={'fflags': '+bitexact'}) as container:
        stream = _open_stream(container, codec, fps, h, w, crf)
        for arr in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(arr), format='rgb24')
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _encode_in_subprocess(jobs: list[tuple[str, np.ndarray]], fps: int, codec: str,
                          crf: int) -> None:
    """Encode in a fresh interpreter that runs this file as a script (no ``cvshared`` import).

    decord bundles its own FFmpeg 4 libraries; once ``import decord`` has loaded them before
    PyAV, every ``avcodec_open2`` of PyAV's encoders fails with EINVAL in that process.
    """
    import subprocess
    import sys
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        spec = osp.join(tmp, 'jobs.npz')
        np.savez(spec, paths=np.array([p for p, _ in jobs]),
                 **{f'frames{i}': f for i, (_, f) in enumerate(jobs)})
        cmd = [sys.executable, osp.abspath(__file__), spec, str(fps), codec, str(crf)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode:
            raise RuntimeError(f'encoding {len(jobs)} WebM files failed ({" ".join(cmd)}):\n'
                               f'{res.stderr[-2000:]}')


def _pyav_encoder_works(codec: str) -> bool:
    import av  # cvshared[video]
    try:
        ctx = av.CodecContext.create(codec, 'w')
        ctx.width, ctx.height, ctx.pix_fmt = 16, 16, 'yuv420p'
        ctx.time_base = Fraction(1, FPS)
        ctx.open()
    except av.error.FFmpegError:
        return False
    return True


def write_webms(jobs: list[tuple[str, np.ndarray]], fps: int = FPS, codec: str = 'libvpx-vp9',
                crf: int = 4) -> None:
    """Encode each ``(path, frames (T, H, W, 3) RGB uint8)`` as a video file with PyAV.

    WebM with VP9 by default (``'libvpx'`` for VP8; other containers follow the extension, with
    e.g. ``'mpeg4'``); single-threaded and bit-exact, so the bytes depend on the frames only.
    Falls back to one subprocess when PyAV's encoder cannot be opened in this process (decord
    imported first, see :func:`_encode_in_subprocess`)."""
    for path, frames in jobs:
        h, w = frames.shape[1:3]
        if h % 2 or w % 2:
            raise ValueError(f'{path}: frame size {w}x{h} must be even for yuv420p')
    if not jobs:
        return
    if _pyav_encoder_works(codec):
        for path, frames in jobs:
            _encode_in_process(path, frames, fps, codec, crf)
    else:
        _encode_in_subprocess(jobs, fps, codec, crf)


def write_webm(path: str, frames: np.ndarray, fps: int = FPS, codec: str = 'libvpx-vp9',
               crf: int = 4) -> None:
    """One file of :func:`write_webms`."""
    write_webms([(path, frames)], fps, codec, crf)


def write_synthetic_sthv2(root: str, num_classes: int = 4, num_train: int = 8, num_val: int = 4,
                          num_frames: int | tuple[int, int] = 16,
                          size: tuple[int, int] = (64, 64), seed: int = 0,
                          speeds: tuple[int, ...] | None = None,
                          codec: str = 'libvpx-vp9') -> dict:
    """Write the synthetic motion set in the SS-V2 layout under ``root``.

    Args:
        num_train, num_val: videos per class in the train / validation list.
        num_frames: frames per video, or an inclusive ``(min, max)`` range drawn per video.
        size: ``(H, W)``, both even.
        speeds: px per frame (see :func:`synthetic_classes`).
        codec: ``'libvpx-vp9'`` (as released) or ``'libvpx'`` (VP8).

    Returns ``{'root', 'video_dir', 'labels', 'train', 'validation', 'test'`` (json paths),
    ``'classes'`` (:func:`synthetic_classes`), ``'videos'`` (``{id: (label index, num_frames,
    split)}``)}``.
    """
    classes = synthetic_classes(num_classes, size, speeds)
    rng = np.random.default_rng(seed)
    video_dir = osp.join(root, VIDEO_DIR)
    label_dir = osp.join(root, 'labels')
    os.makedirs(video_dir, exist_ok=True)
    os.makedirs(label_dir, exist_ok=True)
    labels = {c['template'].replace('[', '').replace(']', ''): str(i)
              for i, c in enumerate(classes)}
    videos: dict = {}
    lists: dict = {'train': [], 'validation': []}
    vid = 1000
    jobs: list = []
    for split, per_class in (('train', num_train), ('validation', num_val)):
        # interleave the classes so the list order carries no label information
        for _ in range(per_class):
            for cls, c in enumerate(classes):
                vid += 1
                t = (int(num_frames) if np.isscalar(num_frames)
                     else int(rng.integers(num_frames[0], num_frames[1] + 1)))
                frames = render_motion_clip(rng, c['velocity'], t, size)
                jobs.append((osp.join(video_dir, f'{vid}.webm'), frames))
                thing = _PLACEHOLDERS[int(rng.integers(len(_PLACEHOLDERS)))]
                lists[split].append({
                    'id': str(vid),
                    'label': c['template'].replace('[something]', thing).lower(),
                    'template': c['template'], 'placeholders': [thing]})
                videos[str(vid)] = (cls, t, split)
    write_webms(jobs, codec=codec)
    paths = {'labels': osp.join(label_dir, 'something-something-v2-labels.json'),
             'train': osp.join(label_dir, 'something-something-v2-train.json'),
             'validation': osp.join(label_dir, 'something-something-v2-validation.json'),
             'test': osp.join(label_dir, 'something-something-v2-test.json')}
    contents = {'labels': labels, 'train': lists['train'], 'validation': lists['validation'],
                'test': [{'id': e['id']} for e in lists['validation']]}
    for key, path in paths.items():
        with open(path, 'w') as f:
            json.dump(contents[key], f, indent=1)
    return {'root': root, 'video_dir': video_dir, **paths, 'classes': classes, 'videos': videos}


if __name__ == '__main__':  # the encoder subprocess of _encode_in_subprocess
    import sys
    _spec, _fps, _codec, _crf = sys.argv[1:5]
    with np.load(_spec) as _z:
        for _i, _path in enumerate(_z['paths']):
            _encode_in_process(str(_path), _z[f'frames{_i}'], int(_fps), _codec, int(_crf))
