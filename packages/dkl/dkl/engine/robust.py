"""Robust evaluation: a test loop that attacks every batch (torchattacks) and hands clean and
adversarial predictions to the evaluator (:class:`dkl.metrics.RobustAccuracy`).

AutoAttack: the ``autoattack`` package of Croce & Hein is not on PyPI (it installs from
GitHub only), so ``type='AutoAttack'`` is ``torchattacks.AutoAttack(version='standard')``:
APGD-CE, APGD-T (9 target classes), FAB-T and Square, each with one restart, applied in turn
to the points still correctly classified, as the standard AutoAttack protocol.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
from mmengine.runner import TestLoop

from ..models.adversarial import check_epsilon, check_unit_range
from ..registry import LOOPS

ATTACKS = ('PGD', 'AutoAttack', 'APGD', 'APGDT', 'FAB', 'Square')


class _Logits(nn.Module):
    """``model(x, mode='tensor')`` as a plain module (what torchattacks wraps)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x, mode='tensor')


def build_attack(model, cfg: dict):  # candidate for cvshared (robust evaluation)
    """A torchattacks attack from ``dict(type=<one of ATTACKS>, eps=..., ...)``; the
    epsilon is checked to be in [0, 1] (a fraction of the pixel range)."""
    import torchattacks
    cfg = dict(cfg)
    kind = cfg.pop('type')
    if kind not in ATTACKS:
        raise ValueError(f'unknown attack {kind!r}: use one of {ATTACKS}')
    if 'eps' not in cfg:
        raise ValueError(f'attack {kind} needs eps (a fraction of [0, 1], e.g. 8/255)')
    cfg['eps'] = check_epsilon(cfg['eps'])
    if 'alpha' in cfg:
        cfg['alpha'] = check_epsilon(cfg['alpha'], 'alpha (step size)')
    return getattr(torchattacks, kind)(_Logits(model), **cfg)


@LOOPS.register_module()
class RobustTestLoop(TestLoop):  # candidate for cvshared
    """``TestLoop`` whose batches are attacked: each output sample is a dict with
    ``gt_label``, ``pred_label`` (clean), ``adv_pred_label`` (``{attack name: label}``) and,
    for the first ``keep_images`` samples of a batch, ``clean_img`` / ``adv_img`` (uint8
    HWC, for the visualization hook).

    Args:
        attacks: ``{name: attack config}`` (:func:`build_attack`), e.g.
            ``dict(AutoAttack=dict(type='AutoAttack', eps=8/255, n_classes=10))``.
        keep_images: Clean/adversarial pictures kept per batch.
    """

    def __init__(self, runner, dataloader, evaluator, attacks: dict, keep_images: int = 4,
                 fp16: bool = False):
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        if not attacks:
            raise ValueError('RobustTestLoop needs at least one attack')
        for name, cfg in attacks.items():   # fail at build time, not after a long test
            check_epsilon(cfg.get('eps', -1), f'{name}.eps')
        self.attack_cfgs, self.keep_images = dict(attacks), keep_images
        self._attacks = None

    @torch.no_grad()
    def run_iter(self, idx, data_batch) -> None:
        model = self.runner.model
        self.runner.call_hook('before_test_iter', batch_idx=idx, data_batch=data_batch)
        if self._attacks is None:
            self._attacks = {n: build_attack(model, c) for n, c in self.attack_cfgs.items()}
        data = model.data_preprocessor(data_batch, False)
        x, samples = data['inputs'], data['data_samples']
        check_unit_range(x)
        labels = torch.cat([s.gt_label for s in samples]).to(x.device)
        model.eval()
        clean = model(x, mode='tensor').argmax(1)
        adv_pred, kept = {}, None
        for name, attack in self._attacks.items():
            with torch.enable_grad():
                x_adv = attack(x, labels)
            adv_pred[name] = model(x_adv, mode='tensor').argmax(1)
            kept = x_adv if kept is None else kept
        outputs = []
        for i in range(len(samples)):
            out = dict(gt_label=int(labels[i]), pred_label=int(clean[i]),
                       adv_pred_label={n: int(p[i]) for n, p in adv_pred.items()},
                       name=f'{idx:05d}_{i:03d}')
            if i < self.keep_images:
                out['clean_img'] = _to_uint8(x[i])
                out['adv_img'] = _to_uint8(kept[i])
            outputs.append(out)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook('after_test_iter', batch_idx=idx, data_batch=data_batch,
                              outputs=outputs)


def _to_uint8(x: torch.Tensor) -> np.ndarray:
    return (x.detach().clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255).round().astype(np.uint8)
