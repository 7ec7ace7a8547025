"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``selfy.infer`` calls too.

The picture is the STSS of a clip (paper Fig. 1 / Fig. 5: the similarity maps of one query):
for the query at the centre of the STSS grid, a ``T x L`` grid of ``U x V`` maps, row ``t`` =
query frame, column ``l`` = temporal offset ``l - L // 2``; grey level = cosine similarity
(-1 black, +1 white), each map magnified. The border says whether the prediction is right
(green), wrong (red) or has no ground truth (grey).
"""
from __future__ import annotations

import contextlib

import numpy as np
import torch
from cvshared.hooks import SampleVisualizationHook

from ..registry import HOOKS

CORRECT, WRONG, UNKNOWN = (0, 200, 0), (220, 0, 0), (128, 128, 128)


def draw_sample(stss: np.ndarray, pred_label: int, gt_label: int | None = None,
                query: tuple[int, int] | None = None, zoom: int = 8, gap: int = 2,
                border: int = 3) -> np.ndarray:
    """STSS slices of one clip as an ``H x W x 3`` uint8 picture (module docstring).

    Args:
        stss: ``(T, h, w, L, U, V)`` (or with the official singleton axis, ``(T, h, w, 1, L, U,
            V)``) similarities of one clip, e.g. ``SELFYBlock.stss_transformation`` output[i].
        query: ``(y, x)`` on the ``h x w`` grid; default the centre.
    """
    s = np.asarray(stss, dtype=np.float32)
    if s.ndim == 7:
        s = s[:, :, :, 0]
    if s.ndim != 6:
        raise ValueError(f'draw_sample expects STSS of shape (T, h, w, L, U, V), got {s.shape}')
    t, h, w, length, u, v = s.shape
    qy, qx = query if query is not None else (h // 2, w // 2)
    maps = s[:, qy, qx]  # (T, L, U, V)
    tile_h, tile_w = u * zoom, v * zoom
    out_h = 2 * border + t * tile_h + (t - 1) * gap
    out_w = 2 * border + length * tile_w + (length - 1) * gap
    color = UNKNOWN if gt_label is None else CORRECT if pred_label == gt_label else WRONG
    out = np.empty((out_h, out_w, 3), np.uint8)
    out[:] = color
    out[border:-border, border:-border] = 0
    grey = np.clip((maps + 1) * 127.5, 0, 255).astype(np.uint8)
    for i in range(t):
        for j in range(length):
            tile = np.kron(grey[i, j], np.ones((zoom, zoom), np.uint8))
            y0, x0 = border + i * (tile_h + gap), border + j * (tile_w + gap)
            out[y0:y0 + tile_h, x0:x0 + tile_w] = tile[..., None]
    return out


@contextlib.contextmanager
def capture_stss(model):
    """Collect the STSS tensors of the (first) SELFY block of ``model`` while inside: yields a
    list that receives the ``(B, T, h, w, 1, L, U, V)`` output of each forward."""
    from ..models import SELFYBlock
    blocks = [m for m in model.modules() if isinstance(m, SELFYBlock)]
    if not blocks:
        raise ValueError('the model has no SELFYBlock: nothing to draw (the visualization of '
                         'selfy shows the STSS of the block)')
    seen: list = []
    handle = blocks[0].stss_transformation.register_forward_hook(
        lambda mod, inp, out: seen.append(out.detach().cpu()))
    try:
        yield seen
    finally:
        handle.remove()


def _label(value):
    if value is None:
        return None
    value = torch.as_tensor(value).flatten()
    return int(value[0]) if value.numel() else None


@HOOKS.register_module()
class SelfyVisualizationHook(SampleVisualizationHook):
    """Writes :func:`draw_sample` of every test clip to
    ``<work_dir>/<timestamp>/<test_out_dir>`` when ``draw`` (the mmseg ``SegVisualizationHook``
    contract); the STSS comes from a forward hook on the model's SELFY block."""

    def before_test(self, runner) -> None:
        self._ctx, self._seen, self._k = None, [], 0
        if self.draw and self.test_out_dir is not None:
            model = getattr(runner.model, 'module', runner.model)
            self._ctx = capture_stss(model)
            self._seen = self._ctx.__enter__()

    def after_test(self, runner) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(None, None, None)
            self._ctx = None

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._k, self._n = 0, len(outputs or ())
        super().after_test_iter(runner, batch_idx, data_batch, outputs)
        self._seen.clear()

    def draw_output(self, sample, batch_idx):
        stss = self._seen[-1]  # (N * clips, T, h, w, 1, L, U, V) of this batch
        per_sample = max(1, stss.shape[0] // max(1, self._n))  # first clip of each sample
        clip = stss[self._k * per_sample]
        name = f'{batch_idx:05d}_{self._k:02d}'
        self._k += 1
        pred = int(sample.pred_score.argmax()) if 'pred_score' in sample else -1
        gt = _label(sample.gt_label) if 'gt_label' in sample else None
        return name, draw_sample(clip.numpy(), pred, gt)
