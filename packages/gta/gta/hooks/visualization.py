"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``gta.infer`` calls too.

The picture is what GTA learns: the global temporal attention ``A`` (G3 of
:mod:`gta.models.gta_block`), one ``T x T`` map per head and level, row ``t`` = the frame that
reads, column ``s`` = the frame read, grey level = weight (0 black, the row's maximum over the
whole picture white). ``A`` is the same for every clip (it is sample-agnostic by design); the
border says whether this clip's prediction is right (green), wrong (red) or has no ground truth
(grey). Rows of maps: the blocks (in backbone order) x levels; columns: heads.
"""
from __future__ import annotations

import numpy as np
import torch
from cvshared.hooks import SampleVisualizationHook

from ..registry import HOOKS

CORRECT, WRONG, UNKNOWN = (0, 200, 0), (220, 0, 0), (128, 128, 128)


def draw_sample(attention: np.ndarray, pred_label: int, gt_label: int | None = None,
                zoom: int = 8, gap: int = 2, border: int = 3) -> np.ndarray:
    """The maps of ``attention`` ``(K, M, T, T)`` (K = blocks x levels, M heads) as an
    ``H x W x 3`` uint8 picture (module docstring)."""
    a = np.asarray(attention, dtype=np.float32)
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f'draw_sample expects attention of shape (K, M, T, T), got {a.shape}')
    k, m, t, _ = a.shape
    tile = t * zoom
    out_h = 2 * border + k * tile + (k - 1) * gap
    out_w = 2 * border + m * tile + (m - 1) * gap
    color = UNKNOWN if gt_label is None else CORRECT if pred_label == gt_label else WRONG
    out = np.empty((out_h, out_w, 3), np.uint8)
    out[:] = color
    out[border:-border, border:-border] = 0
    peak = max(float(a.max()), 1e-12)
    grey = np.clip(a / peak * 255.0, 0, 255).astype(np.uint8)
    for i in range(k):
        for j in range(m):
            y0, x0 = border + i * (tile + gap), border + j * (tile + gap)
            out[y0:y0 + tile, x0:x0 + tile] = np.kron(grey[i, j], np.ones((zoom, zoom),
                                                                         np.uint8))[..., None]
    return out


def model_attention(model) -> np.ndarray:
    """``(K, M, T, T)``: ``A`` of every GTA block of ``model`` and each of its levels (blocks
    in module order, levels in the block's order). Raises when there is none."""
    from ..models import GTABlock
    maps = [blk.attention(level).detach().cpu().float()
            for blk in model.modules() if isinstance(blk, GTABlock) for level in blk.levels]
    if not maps:
        raise ValueError('the model has no GTABlock: nothing to draw (the visualization of gta '
                         'shows the learned temporal attention of its blocks)')
    if len({tuple(x.shape) for x in maps}) > 1:  # blocks of different T / heads: the first
        maps = [x for x in maps if x.shape == maps[0].shape]
    return torch.stack(maps).numpy()


def _label(value):
    if value is None:
        return None
    value = torch.as_tensor(value).flatten()
    return int(value[0]) if value.numel() else None


@HOOKS.register_module()
class GTAVisualizationHook(SampleVisualizationHook):
    """Writes :func:`draw_sample` for every test clip to
    ``<work_dir>/<timestamp>/<test_out_dir>`` when ``draw`` (the mmseg ``SegVisualizationHook``
    contract); ``A`` is read from the model's GTA blocks once per test run."""

    def before_test(self, runner) -> None:
        self._attention, self._k = None, 0
        if self.draw and self.test_out_dir is not None:
            self._attention = model_attention(getattr(runner.model, 'module', runner.model))

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._k = 0
        super().after_test_iter(runner, batch_idx, data_batch, outputs)

    def draw_output(self, sample, batch_idx):
        name = f'{batch_idx:05d}_{self._k:02d}'
        self._k += 1
        pred = int(sample.pred_score.argmax()) if 'pred_score' in sample else -1
        gt = _label(sample.gt_label) if 'gt_label' in sample else None
        return name, draw_sample(self._attention, pred, gt)
