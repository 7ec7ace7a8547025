"""The synthetic data set: a VOC 2012-layout image set (``cvshared.datasets.voc_synthetic``) and
a crawled-video set of real video files (:mod:`.videos` layout) in the same picture style.

Both use the shared generator's "marked" style: an object is a dark flat-coloured *body* of a
random shape with a small disc of its class's tint at the centre on a grey-ish texture, so the
encoder's CAM fires on the disc (the discriminative part) while the object is the whole body
(the paper's motivation: "the trained model overly focuses on discriminative parts").
In a video the body moves on a straight line (1-2.5 px a frame) over a fixed background with
per-frame noise; ``off_frames`` leading frames of a video may show no object (they label the
video for its class but show nothing of it: the frames the rejection must drop).

Layout written (``make_synthetic(root)``)::

    <root>/VOC2012/...            make_voc_synthetic (JPEGImages, Annotations, masks, lists)
    <root>/webvideos/videos.txt
    <root>/webvideos/videos/<class>/<id>.mp4     (mp4v, 10 fps)
    <root>/webvideos/masks/<class>/<id>/<t>.png  (true masks: 0, 1, 255 on a 1 px border)
"""
from __future__ import annotations

import os
import os.path as osp

import cv2
import numpy as np
from cvshared.datasets.voc_synthetic import (
    SHAPES,
    TINTS,
    _background,
    _shape_mask,
    make_voc_synthetic,
)
from PIL import Image

from .videos import VIDEO_LIST

CLASSES = ('aeroplane', 'bicycle')
MARK = 0.5
RADIUS_RANGE = (0.2, 0.3)
SIZE = (64, 64)


def render_video(rng: np.random.Generator, k: int, num_frames: int, size=SIZE,
                 mark: float = MARK, radius_range=RADIUS_RANGE, off_frames: int = 0):
    """``(frames uint8 (T, H, W, 3), masks uint8 (T, H, W))`` of one video of class index ``k``
    (its tint ``TINTS[k % 6]``, as ``make_voc_synthetic`` colours class ``k`` of its
    ``classes``)."""
    h, w = size
    lo, hi = (int(round(f * min(h, w))) for f in radius_range)
    r = int(rng.integers(lo, hi + 1))
    shape = SHAPES[int(rng.integers(len(SHAPES)))]
    bg = _background(rng, h, w, grey=True)
    body = rng.uniform(15, 55, size=3).astype(np.float32)
    tint = np.asarray(TINTS[k % len(TINTS)], np.float32)
    p0 = np.array([rng.uniform(r, h - r), rng.uniform(r, w - r)])
    speed = rng.uniform(1.0, 2.5)
    ang = rng.uniform(0, 2 * np.pi)
    v = speed * np.array([np.sin(ang), np.cos(ang)])
    frames, masks = [], []
    kernel = np.ones((3, 3), np.uint8)
    for t in range(num_frames):
        img = bg + rng.normal(0, 4, size=bg.shape).astype(np.float32)
        m = np.zeros((h, w), bool)
        if t >= off_frames:
            p = p0 + v * (t - off_frames)
            for d in (0, 1):  # bounce off the borders
                span = (h, w)[d] - 2 * r
                q = (p[d] - r) % (2 * span) if span > 0 else 0
                p[d] = r + (q if q <= span else 2 * span - q)
            cy, cx = int(round(p[0])), int(round(p[1]))
            m = _shape_mask(shape, h, w, cy, cx, r)
            img[m] = 0.85 * body + 0.15 * img[m]
            disc = np.zeros((h, w), np.uint8)
            cv2.circle(disc, (cx, cy), max(2, int(round(mark * r))), 1, -1)
            d = disc.astype(bool) & m
            img[d] = 0.75 * tint + 0.25 * img[d]
        mu = m.astype(np.uint8)
        lab = mu.copy()
        edge = (cv2.dilate(mu, kernel) - cv2.erode(mu, kernel)).astype(bool)
        lab[edge] = 255
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
        masks.append(lab)
    return np.stack(frames), np.stack(masks)


def write_video(path: str, frames: np.ndarray, fps: int = 10) -> None:
    """RGB frames -> an mp4 file (OpenCV, fourcc mp4v)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    h, w = frames.shape[1:3]
    vw = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
    if not vw.isOpened():
        raise RuntimeError(f'OpenCV cannot write {path!r} with the mp4v codec')
    for f in frames:
        vw.write(np.ascontiguousarray(f[..., ::-1]))
    vw.release()


def make_video_synthetic(root: str, classes=CLASSES, videos_per_class: int = 4,
                         num_frames: int = 8, size=SIZE, seed: int = 0, off_prob: float = 0.5,
                         off_frames: int = 2) -> str:
    """The crawled-video set at ``root`` (= ``<video_root>``); returns ``root``. With
    probability ``off_prob`` a video starts with ``off_frames`` frames without its object."""
    rng = np.random.default_rng([seed, 77])
    lines = []
    for k, name in enumerate(classes):
        for i in range(videos_per_class):
            off = off_frames if rng.random() < off_prob else 0
            frames, masks = render_video(rng, k, num_frames, size, off_frames=off)
            rel = f'{name}/{i:04d}'
            write_video(osp.join(root, 'videos', rel + '.mp4'), frames)
            mdir = osp.join(root, 'masks', rel)
            os.makedirs(mdir, exist_ok=True)
            for t, m in enumerate(masks):
                Image.fromarray(m).save(osp.join(mdir, f'{t:05d}.png'))
            lines.append(rel + '.mp4')
    with open(osp.join(root, VIDEO_LIST), 'w') as f:
        f.write(''.join(line + '\n' for line in lines))
    return root


def make_synthetic(root: str, num_train: int = 64, num_val: int = 16, seed: int = 0,
                   videos_per_class: int = 6, num_frames: int = 8, size=SIZE) -> str:
    """``SPEC.make_synthetic``: ``<root>/VOC2012`` (marked style, two classes, <= 2 objects,
    ``num_train // 4`` background-only images in ``train_cam.txt`` for the encoder, as psa /
    irn) and ``<root>/webvideos``."""
    make_voc_synthetic(osp.join(root, 'VOC2012'), num_train=num_train, num_val=num_val,
                       size=tuple(size), classes=CLASSES, max_objects=2, seed=seed, mark=MARK,
                       radius_range=RADIUS_RANGE, num_empty=num_train // 4)
    make_video_synthetic(osp.join(root, 'webvideos'), CLASSES, videos_per_class, num_frames,
                         size, seed)
    return root
