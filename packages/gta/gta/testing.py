"""Deterministic, NON-DEGENERATE weights for the golden tests (used by
``tests/golden/make_golden.py`` and ``tests/test_golden.py``, so the golden files hold no
weights).

Every tensor of a state dict is drawn from its own ``torch.Generator`` seeded with
``seed + crc32(name)`` (independent of the order of the keys), by the name's role:

- GTA's temporal logits (``...temporal``): normal, std 5 (softmax rows far from uniform: the
  tests assert entropy < 0.5 log T);
- GTA's ``theta`` / ``phi`` (G1): normal, std 1; the region transformation ``group`` (G5):
  normal, std 3 (peaked spatial attention and region memberships);
- other convolution / linear weights: normal with std ``sqrt(2 / fan_out)``; a 2-D classifier
  weight (``fc`` in the name): std 0.05;
- BN ``weight`` ``U(0.5, 1.5)`` (also GTA's zero-initialised output BN: here the block matters),
  ``bias`` ``U(-0.2, 0.2)``, ``running_mean`` ``U(-0.1, 0.1)``, ``running_var`` ``U(0.5, 1.5)``;
  ``num_batches_tracked`` unchanged; other biases ``U(-0.1, 0.1)``.
"""
from __future__ import annotations

import math
import zlib

import torch

__all__ = ['seeded_state_dict', 'entropy_ratio']


def _fan_out(shape) -> int:
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[0] * receptive


def seeded_state_dict(template: dict, seed: int = 0) -> dict:
    """A state dict with the keys, shapes and dtypes of ``template`` (module docstring)."""
    out = {}
    bn_prefixes = {k[:-len('running_mean')] for k in template if k.endswith('running_mean')}
    for name, ref in template.items():
        gen = torch.Generator().manual_seed(seed + zlib.crc32(name.encode()))
        shape = tuple(ref.shape)
        prefix, _, leaf = name.rpartition('.')
        prefix += '.'
        if leaf == 'num_batches_tracked':
            out[name] = ref.clone()
            continue
        if prefix in bn_prefixes:
            lo, hi = dict(weight=(0.5, 1.5), bias=(-0.2, 0.2), running_mean=(-0.1, 0.1),
                          running_var=(0.5, 1.5))[leaf]
            value = torch.empty(shape).uniform_(lo, hi, generator=gen)
        elif leaf == 'temporal':
            value = torch.empty(shape).normal_(0, 5.0, generator=gen)
        elif leaf == 'bias':
            value = torch.empty(shape).uniform_(-0.1, 0.1, generator=gen)
        elif prefix.endswith(('.theta.', '.phi.')):
            value = torch.empty(shape).normal_(0, 1.0, generator=gen)
        elif ('.' + prefix).endswith('.group.'):
            value = torch.empty(shape).normal_(0, 3.0, generator=gen)
        elif 'fc' in prefix:
            value = torch.empty(shape).normal_(0, 0.05, generator=gen)
        else:
            value = torch.empty(shape).normal_(0, math.sqrt(2.0 / _fan_out(shape)), generator=gen)
        out[name] = value.to(ref.dtype)
    return out


def entropy_ratio(prob: torch.Tensor) -> float:
    """Mean entropy of the rows of ``prob`` (last axis sums to 1) divided by ``log N``: 1 for
    uniform rows, 0 for one-hot rows."""
    ent = -(prob.clamp_min(1e-30).log() * prob).sum(-1)
    return float(ent.mean() / math.log(prob.shape[-1]))
