"""The picture every video-anomaly package draws: one video's frame-level anomaly score curve
over time, with its ground-truth anomalous intervals shaded (numpy + PIL only, core deps)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

BACKGROUND = (255, 255, 255)
SHADE = (255, 205, 205)      # ground-truth anomalous frames
AXIS = (0, 0, 0)
CURVE = (0, 70, 200)
TEXT = (0, 0, 0)


def gt_intervals(gt, num_frames: int) -> list[tuple[int, int]]:
    """Ground truth as half-open frame intervals ``[(start, end), ...]``.

    ``gt`` is either a 1-D 0/1 array of ``num_frames`` frame labels, or a sequence of
    ``(start, end)`` pairs (inclusive end frames, as the UCF-Crime / TAD annotation files
    write them; ``-1`` pairs mean "none" and are skipped)."""
    if gt is None:
        return []
    arr = np.asarray(gt)
    if arr.ndim == 2 and arr.shape[1] == 2:
        out = []
        for s, e in arr.tolist():
            if s < 0 or e < 0:
                continue
            s, e = max(0, int(s)), min(num_frames, int(e) + 1)
            if e > s:
                out.append((s, e))
        return out
    if arr.ndim != 1:
        raise ValueError(f'gt must be 1-D frame labels or (start, end) pairs, '
                         f'got shape {arr.shape}')
    if arr.shape[0] != num_frames:
        raise ValueError(f'gt has {arr.shape[0]} frame labels but scores have {num_frames} frames')
    lab = np.concatenate([[0], (arr > 0).astype(np.int8), [0]])
    d = np.diff(lab)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def draw_score_curve(scores, gt=None, title: str = '', size: Sequence[int] = (200, 600),
                     margin: int = 20) -> np.ndarray:
    """The anomaly score curve of one video, ``size = (H, W)`` pixels, as H x W x 3 uint8.

    ``scores``: 1-D frame scores, drawn on a fixed [0, 1] vertical axis (scores outside are
    clipped, so curves of different videos compare by eye). ``gt``: 1-D 0/1 frame labels or
    ``(start, end)`` intervals (see :func:`gt_intervals`), shaded red behind the curve.
    ``title`` is written in the top margin."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1) if np.ndim(scores) else None
    if scores is None or scores.size == 0:
        raise ValueError('draw_score_curve needs at least one frame score')
    if not np.all(np.isfinite(scores)):
        raise ValueError('draw_score_curve: scores contain NaN or inf')
    h, w = int(size[0]), int(size[1])
    if h <= 2 * margin + 1 or w <= 2 * margin + 1:
        raise ValueError(f'size {tuple(size)} leaves no room inside a {margin}-pixel margin')
    n = scores.size
    x0, x1, y0, y1 = margin, w - margin - 1, margin, h - margin - 1   # plot box, y0 = top

    def fx(i):  # frame index (may be fractional, n = right edge) -> x pixel
        return x0 + (x1 - x0) * (np.asarray(i, dtype=np.float64) / max(n, 1))

    img = Image.new('RGB', (w, h), BACKGROUND)
    draw = ImageDraw.Draw(img)
    for s, e in gt_intervals(gt, n):
        draw.rectangle([int(round(float(fx(s)))), y0, max(int(round(float(fx(e)))) - 1,
                        int(round(float(fx(s))))), y1], fill=SHADE)
    draw.line([(x0, y0), (x0, y1), (x1, y1)], fill=AXIS, width=1)
    ys = y1 - (y1 - y0) * np.clip(scores, 0.0, 1.0)
    xs = fx(np.arange(n) + 0.5)
    if n == 1:
        draw.line([(x0, float(ys[0])), (x1, float(ys[0]))], fill=CURVE, width=2)
    else:
        draw.line(list(zip(xs.tolist(), ys.tolist())), fill=CURVE, width=2)
    if title:
        draw.text((x0, 2), str(title), fill=TEXT)
    return np.asarray(img, dtype=np.uint8)
