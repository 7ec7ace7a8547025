"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``hcml.infer`` calls too.

The picture of a clip: one column per frame pair ``(t, t+1)``; one row per level of the motion
hierarchy, ``M_0`` (stem difference) at the top to ``M_L``: the L2 norm over channels of
``M_l(t)`` (grey, each level scaled by its own maximum over the clip); a border green / red /
grey for a right / wrong / unknown prediction.
"""
from __future__ import annotations

import numpy as np
import torch
from cvshared.hooks import SampleVisualizationHook

from ..registry import HOOKS

CORRECT, WRONG, UNKNOWN = (0, 200, 0), (220, 0, 0), (128, 128, 128)


def _up(img: np.ndarray, size: int) -> np.ndarray:
    """Nearest-neighbour resize of ``(h, w)`` to ``(size, size)``."""
    h, w = img.shape[:2]
    return img[np.arange(size) * h // size][:, np.arange(size) * w // size]


def motion_magnitude(m) -> np.ndarray:
    """``(T-1, D, h, w)`` motion features -> ``(T-1, h, w)`` channel L2 norms."""
    m = m.detach().cpu().float() if isinstance(m, torch.Tensor) else torch.as_tensor(m).float()
    if m.dim() != 4:
        raise ValueError(f'motion features of one clip are (T-1, D, h, w), got {tuple(m.shape)}')
    return m.norm(dim=1).numpy()


def draw_sample(levels, pred_label: int | None = None, gt_label: int | None = None,
                cell: int = 48, border: int = 2) -> np.ndarray:
    """The picture of one clip (module docstring). ``levels``: the motion features of the clip
    per level, each ``(T-1, D_l, h_l, w_l)`` (``None`` entries, e.g. an absent ``M_0``, are
    skipped)."""
    rows = []
    for m in levels:
        if m is None:
            continue
        mag = motion_magnitude(m)
        scaled = (np.clip(mag / max(float(mag.max()), 1e-12), 0, 1) * 255).round()
        rows.append(np.concatenate([_up(scaled[t], cell) for t in range(mag.shape[0])], 1))
    if not rows:
        raise ValueError('draw_sample: no motion level to draw')
    if len({r.shape[1] for r in rows}) != 1:
        raise ValueError('draw_sample: the levels have different numbers of frame pairs')
    grid = np.repeat(np.concatenate(rows, 0)[..., None], 3, -1).astype(np.uint8)
    color = UNKNOWN if gt_label is None or pred_label is None else (
        CORRECT if pred_label == gt_label else WRONG)
    out = np.pad(grid, ((border, border), (border, border), (0, 0)))
    out[:border], out[-border:], out[:, :border], out[:, -border:] = color, color, color, color
    return out


def motion_hierarchy(model):
    """The model's :class:`~hcml.models.MotionHierarchy` (None without one)."""
    model = getattr(model, 'module', model)
    return getattr(getattr(model, 'backbone', None), 'motion', None)


def clip_levels(hierarchy, clip: int) -> list:
    """Each level's features of clip ``clip`` of the last forward."""
    pairs = hierarchy.num_segments - 1
    return [None if m is None else m.view(-1, pairs, *m.shape[1:])[clip]
            for m in hierarchy.last_motion]


@HOOKS.register_module()
class HCMLVisualizationHook(SampleVisualizationHook):
    """Draws the motion features per level of every test clip (``draw_sample``) to
    ``<work_dir>/<timestamp>/<test_out_dir>/<video>.png`` when ``draw``; it reads the
    hierarchy's ``last_motion`` after each batch (one test view per clip: view 0 is drawn)."""

    def before_test(self, runner) -> None:
        self._hierarchy = motion_hierarchy(runner.model) if self.draw else None
        if self.draw and self._hierarchy is None:
            raise ValueError('HCMLVisualizationHook: the model has no motion hierarchy to draw '
                             '(model.backbone.motion is None)')

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or self._hierarchy is None or self._hierarchy.last_motion is None:
            return
        m = self._hierarchy.last_motion[-1]
        self._views = m.shape[0] // (self._hierarchy.num_segments - 1) // max(len(outputs), 1)
        self._index = 0
        super().after_test_iter(runner, batch_idx, data_batch, outputs)

    def draw_output(self, sample, batch_idx):
        i = self._index
        self._index += 1
        pred = int(sample.pred_score.argmax()) if hasattr(sample, 'pred_score') else None
        gt = sample.gt_label if hasattr(sample, 'gt_label') else None
        gt = int(gt.item() if hasattr(gt, 'item') else gt[0]) if gt is not None else None
        name = str(sample.metainfo.get('filename', f'{batch_idx}_{i}'))
        stem = name.rsplit('/', 1)[-1].rsplit('.', 1)[0]
        levels = clip_levels(self._hierarchy, i * self._views)
        return stem, draw_sample(levels, pred_label=pred, gt_label=gt)
