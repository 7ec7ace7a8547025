"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``collabmem.infer`` calls too.

The picture of one video: the first frame of each of its ``N`` clips in a row (magnified); under
it the ``N x N`` attention of the associative memory ((M4): row ``i`` = clip ``i``'s query, column
``j`` = memory entry ``j``, black 0 .. white 1), and under that the channel gates ``g_i`` of (M5)
(row ``i``, one column per channel; grey level = gate / gate_scale, 0 black, 1 white). The border
is green (right), red (wrong) or grey (no ground truth).
"""
from __future__ import annotations

import numpy as np
import torch
from cvshared.hooks import SampleVisualizationHook

from ..registry import HOOKS

CORRECT, WRONG, UNKNOWN = (0, 200, 0), (220, 0, 0), (128, 128, 128)


def _tile(values: np.ndarray, zoom_y: int, zoom_x: int) -> np.ndarray:
    grey = np.clip(values * 255, 0, 255).astype(np.uint8)
    return np.repeat(np.kron(grey, np.ones((zoom_y, zoom_x), np.uint8))[..., None], 3, -1)


def draw_sample(frames: np.ndarray, attention: np.ndarray, gates: np.ndarray | None,
                pred_label: int, gt_label: int | None = None, gate_scale: float = 2.0,
                zoom: int = 4, cell: int = 12, border: int = 3) -> np.ndarray:
    """``H x W x 3`` uint8 picture of one video (module docstring).

    Args:
        frames: ``(N, h, w, 3)`` uint8, one frame per clip.
        attention: ``(N, N)`` rows summing to 1.
        gates: ``(N, d)`` or None.
    """
    frames = np.asarray(frames, np.uint8)
    a = np.asarray(attention, np.float64)
    n = frames.shape[0]
    if a.shape != (n, n):
        raise ValueError(f'attention must be ({n}, {n}) for {n} clips, got {a.shape}')
    strip = np.concatenate([np.kron(f, np.ones((zoom, zoom, 1), np.uint8)) for f in frames], 1)
    parts = [strip, _tile(a, cell, cell)]
    if gates is not None:
        g = np.asarray(gates, np.float64) / gate_scale
        parts.append(_tile(g, cell, max(1, (n * cell) // max(g.shape[1], 1))))
    width = max(p.shape[1] for p in parts)
    rows = []
    for p in parts:
        pad = np.zeros((p.shape[0], width - p.shape[1], 3), np.uint8)
        rows += [np.concatenate([p, pad], 1), np.zeros((2, width, 3), np.uint8)]
    body = np.concatenate(rows[:-1], 0)
    color = UNKNOWN if gt_label is None else CORRECT if pred_label == gt_label else WRONG
    out = np.empty((body.shape[0] + 2 * border, width + 2 * border, 3), np.uint8)
    out[:] = color
    out[border:-border, border:-border] = body
    return out


def _label(value):
    if value is None:
        return None
    value = torch.as_tensor(value).flatten()
    return int(value[0]) if value.numel() else None


def first_memory(model):
    from ..models import CollaborativeMemory
    blocks = [m for m in model.modules() if isinstance(m, CollaborativeMemory)]
    return blocks[0] if blocks else None


@HOOKS.register_module()
class CollabmemVisualizationHook(SampleVisualizationHook):
    """Writes :func:`draw_sample` of every test video to
    ``<work_dir>/<timestamp>/<test_out_dir>`` when ``draw`` (the mmseg ``SegVisualizationHook``
    contract); attention and gates are those the first memory block stored in the batch's
    forward (a model without memory gets a uniform attention and no gates)."""

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        model = getattr(runner.model, 'module', runner.model)
        self._block = first_memory(model)
        self._inputs = (data_batch or {}).get('inputs') or []
        self._k = 0
        super().after_test_iter(runner, batch_idx, data_batch, outputs)

    def draw_output(self, sample, batch_idx):
        k = self._k
        self._k += 1
        clips = self._inputs[k]                          # (N, 3, T, H, W) uint8
        frames = clips[:, :, 0].permute(0, 2, 3, 1).cpu().numpy().astype(np.uint8)
        n = frames.shape[0]
        block = self._block
        if block is not None and block.last_attention is not None:
            att = block.last_attention[k].cpu().numpy()
            gates, scale = block.last_gates[k].cpu().numpy(), block.gate_scale
        else:
            att, gates, scale = np.full((n, n), 1.0 / n), None, 2.0
        pred = int(sample.pred_score.argmax()) if 'pred_score' in sample else -1
        gt = _label(sample.gt_label) if 'gt_label' in sample else None
        return f'{batch_idx:05d}_{k:02d}', draw_sample(frames, att, gates, pred, gt, scale)
