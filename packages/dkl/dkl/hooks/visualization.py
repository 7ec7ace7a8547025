"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing functions, which ``dkl.infer`` calls too.

* :func:`draw_sample`: the clean image and (robust test) its adversarial version with the
  10x-amplified perturbation between them; each bordered green/red for a right/wrong
  prediction (grey without ground truth).
* :func:`draw_prior`: the GI class prior ``pi`` (C x C, row = ground-truth class) as a heat
  map; the hook writes it after every training epoch when ``draw`` is on.
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from cvshared.hooks import SampleVisualizationHook
from cvshared.hooks.visualization import visualization_dir
from PIL import Image

from ..registry import HOOKS

CORRECT, WRONG, UNKNOWN = (0, 200, 0), (220, 0, 0), (128, 128, 128)


def _framed(image: np.ndarray, ok: bool | None, border: int) -> np.ndarray:
    out = np.array(image, dtype=np.uint8, copy=True)
    color = UNKNOWN if ok is None else CORRECT if ok else WRONG
    out = np.pad(out, ((border, border), (border, border), (0, 0)))
    out[:border], out[-border:], out[:, :border], out[:, -border:] = color, color, color, color
    return out


def draw_sample(clean: np.ndarray, pred_label: int, gt_label: int | None = None,
                adv: np.ndarray | None = None, adv_pred_label: int | None = None,
                scale: int = 4, border: int = 2) -> np.ndarray:
    """``clean`` (and ``adv``), H x W x 3 uint8, upscaled ``scale`` x, framed by correctness;
    with ``adv``: ``[clean | 0.5 + 10 (adv - clean) | adv]``."""
    def big(a):
        return np.kron(a, np.ones((scale, scale, 1), np.uint8)).astype(np.uint8)

    def ok(p):
        return None if gt_label is None else p == gt_label

    tiles = [_framed(big(clean), ok(pred_label), border)]
    if adv is not None:
        delta = 127.5 + 10 * (adv.astype(np.float32) - clean.astype(np.float32))
        tiles.append(_framed(big(np.clip(delta, 0, 255).astype(np.uint8)), None, border))
        tiles.append(_framed(big(adv), ok(adv_pred_label), border))
    return np.concatenate(tiles, axis=1)


def draw_prior(prior: np.ndarray, cell: int = 8) -> np.ndarray:
    """The class prior (rows sum to 1) as a white-to-blue heat map, ``cell`` px per entry,
    each row scaled by its maximum so that the within-class pattern shows."""
    p = np.asarray(prior, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != p.shape[1]:
        raise ValueError(f'draw_prior needs a C x C matrix, got shape {p.shape}')
    rel = p / np.maximum(p.max(1, keepdims=True), 1e-12)
    rgb = np.stack([255 * (1 - rel), 255 * (1 - 0.6 * rel), np.full_like(rel, 255)], -1)
    return np.kron(rgb, np.ones((cell, cell, 1))).astype(np.uint8)


@HOOKS.register_module()
class DklVisualizationHook(SampleVisualizationHook):
    """Writes :func:`draw_sample` of the test outputs that carry images (those of
    :class:`dkl.engine.RobustTestLoop`; others are drawn from ``img_path``) to
    ``<work_dir>/<timestamp>/<test_out_dir>``, and, when ``draw``, :func:`draw_prior` of the
    model's GI prior after each training epoch (``prior_epoch<N>.png``)."""

    def draw_output(self, sample, batch_idx):
        if isinstance(sample, dict) and 'clean_img' in sample:
            name = next(iter(sample['adv_pred_label']), None)
            return sample['name'], draw_sample(
                sample['clean_img'], sample['pred_label'], sample['gt_label'],
                sample['adv_img'], sample['adv_pred_label'].get(name))
        path = sample.get('img_path') if hasattr(sample, 'get') else None
        if path is None:
            raise ValueError('DklVisualizationHook: a test output without clean_img or '
                             'img_path has no picture to draw (use RobustTestLoop)')
        with Image.open(path) as im:
            image = np.asarray(im.convert('RGB'))
        gt = sample.get('gt_label')
        return (osp.splitext(osp.basename(path))[0],
                draw_sample(image, int(sample.pred_label), None if gt is None else int(gt),
                            scale=1))

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if outputs and isinstance(outputs[0], dict):
            outputs = [o for o in outputs if 'clean_img' in o]
        super().after_test_iter(runner, batch_idx, data_batch, outputs)

    def after_train_epoch(self, runner) -> None:
        model = getattr(runner.model, 'module', runner.model)
        prior = getattr(model, 'class_prior', None)
        if not self.draw or prior is None:
            return
        out_dir = visualization_dir(runner, self.test_out_dir)
        os.makedirs(out_dir, exist_ok=True)
        Image.fromarray(draw_prior(prior.prior.cpu().numpy())).save(
            osp.join(out_dir, f'prior_epoch{runner.epoch}.png'))
