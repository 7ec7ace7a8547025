"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``motionsqueeze.infer`` calls too.

The picture of a clip: one column per frame pair ``(t, t+1)``; rows: frame ``t`` (when the
frames are given), the MS module's displacement field as a colour wheel (hue = direction,
brightness = magnitude, no motion = black), and the confidence map
(grey, 0..1); a border green / red / grey for a right / wrong / unknown prediction.
"""
from __future__ import annotations

import numpy as np
import torch
from cvshared.hooks import SampleVisualizationHook

from ..registry import HOOKS

CORRECT, WRONG, UNKNOWN = (0, 200, 0), (220, 0, 0), (128, 128, 128)


def flow_to_rgb(flow: np.ndarray, max_norm: float = 1.0) -> np.ndarray:
    """``(2, h, w)`` flow (``flow_x``, ``flow_y``; the MS module's units, 1 = 7 px at res3) ->
    ``(h, w, 3)`` uint8: hue = direction (0 deg = right, red; 90 deg = down, yellow-green ...),
    saturation 1, value = ``|flow| / max_norm`` clipped to 1."""
    fx, fy = np.asarray(flow[0], np.float64), np.asarray(flow[1], np.float64)
    hue = (np.arctan2(fy, fx) / (2 * np.pi)) % 1.0
    val = np.clip(np.hypot(fx, fy) / max_norm, 0, 1)
    h6 = hue * 6
    i = np.floor(h6).astype(int) % 6
    f = h6 - np.floor(h6)
    p, q, t = np.zeros_like(val), val * (1 - f), val * f
    table = [(val, t, p), (q, val, p), (p, val, t), (p, q, val), (t, p, val), (val, p, q)]
    rgb = np.zeros(fx.shape + (3,))
    for k, (r, g, b) in enumerate(table):
        m = i == k
        rgb[m] = np.stack([r[m], g[m], b[m]], -1)
    return (rgb * 255).round().astype(np.uint8)


def _up(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of ``(h, w, 3)`` to ``size`` ``(H, W)``."""
    h, w = img.shape[:2]
    ys = np.arange(size[0]) * h // size[0]
    xs = np.arange(size[1]) * w // size[1]
    return img[ys][:, xs]


def draw_sample(flow, confidence, frames=None, pred_label: int | None = None,
                gt_label: int | None = None, cell: int = 64, border: int = 2,
                max_norm: float | None = None) -> np.ndarray:
    """The picture of one clip (module docstring).

    Args:
        flow: ``(T-1, 2, h, w)`` MS flow of the clip's pairs.
        confidence: ``(T-1, 1, h, w)``.
        frames: optional ``(T, H, W, 3)`` uint8 frames (first row: frame ``t`` of each pair).
        cell: side of each drawn map in pixels.
        max_norm: flow magnitude drawn at full brightness (default: the clip's maximum).
    """
    flow = np.asarray(flow.detach().cpu() if isinstance(flow, torch.Tensor) else flow)
    confidence = np.asarray(confidence.detach().cpu() if isinstance(confidence, torch.Tensor)
                            else confidence)
    if flow.ndim != 4 or flow.shape[1] != 2 or confidence.shape[:1] != flow.shape[:1]:
        raise ValueError(f'draw_sample expects flow (T-1, 2, h, w) and confidence (T-1, 1, h, w),'
                         f' got {flow.shape} and {confidence.shape}')
    pairs = flow.shape[0]
    if max_norm is None:
        max_norm = max(float(np.hypot(flow[:, 0], flow[:, 1]).max()), 1e-6)
    rows = []
    if frames is not None:
        frames = np.asarray(frames, np.uint8)
        rows.append([_up(frames[t], (cell, cell)) for t in range(pairs)])
    rows.append([_up(flow_to_rgb(flow[t], max_norm), (cell, cell)) for t in range(pairs)])
    conf = (np.clip(confidence[:, 0], 0, 1) * 255).round().astype(np.uint8)
    rows.append([_up(np.repeat(conf[t][..., None], 3, -1), (cell, cell)) for t in range(pairs)])
    grid = np.concatenate([np.concatenate(r, 1) for r in rows], 0)
    color = UNKNOWN if gt_label is None or pred_label is None else (
        CORRECT if pred_label == gt_label else WRONG)
    out = np.pad(grid, ((border, border), (border, border), (0, 0)))
    out[:border], out[-border:], out[:, :border], out[:, -border:] = color, color, color, color
    return out


def ms_blocks(model) -> list:
    from ..models import MotionSqueezeBlock
    model = getattr(model, 'module', model)
    return [m for m in model.modules() if isinstance(m, MotionSqueezeBlock)]


@HOOKS.register_module()
class MotionSqueezeVisualizationHook(SampleVisualizationHook):
    """Draws the MS module's flow and confidence of every test clip (``draw_sample``) to
    ``<work_dir>/<timestamp>/<test_out_dir>/<video>.png`` when ``draw``. It switches the
    module's ``keep_motion`` on for the test run and reads ``last_motion`` after each batch."""

    def before_test(self, runner) -> None:
        self._blocks = ms_blocks(runner.model) if self.draw else []
        if self.draw and not self._blocks:
            raise ValueError('MotionSqueezeVisualizationHook: the model has no '
                             'MotionSqueezeBlock to draw (model.backbone.blocks is empty?)')
        for b in self._blocks:
            b.keep_motion = True

    def after_test(self, runner) -> None:
        for b in getattr(self, '_blocks', []):
            b.keep_motion, b.last_motion = False, None

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or not self._blocks or self._blocks[0].last_motion is None:
            return
        block = self._blocks[0]
        motion = block.last_motion
        self._pairs = block.num_segments - 1
        self._flow = motion['flow'].view(-1, self._pairs, *motion['flow'].shape[1:])
        self._conf = motion['confidence'].view(-1, self._pairs,
                                               *motion['confidence'].shape[1:])
        self._index = 0
        super().after_test_iter(runner, batch_idx, data_batch, outputs)

    def draw_output(self, sample, batch_idx):
        i = self._index % self._flow.shape[0]  # one test view per clip: sample i = clip i
        self._index += 1
        pred = int(sample.pred_score.argmax()) if hasattr(sample, 'pred_score') else None
        gt = sample.gt_label if hasattr(sample, 'gt_label') else None
        gt = int(gt.item() if hasattr(gt, 'item') else gt[0]) if gt is not None else None
        name = str(sample.metainfo.get('filename', f'{batch_idx}_{i}'))
        stem = name.rsplit('/', 1)[-1].rsplit('.', 1)[0]
        return stem, draw_sample(self._flow[i], self._conf[i], pred_label=pred, gt_label=gt)
