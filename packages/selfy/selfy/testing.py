"""Deterministic weights for the golden tests (used by ``tests/golden/make_golden.py`` on the
official model and by ``tests/test_golden.py`` on ours, so the golden files hold no weights).

Every tensor of a state dict is drawn from its own ``torch.Generator`` seeded with
``seed + crc32(name)`` (independent of the order of the keys), by the name's role:

- convolution / linear weights: normal with std ``sqrt(2 / fan_out)`` (Kaiming fan_out, the
  official init's scale); a ``Conv1d`` / 2-D classifier weight (``fc`` in the name): std 0.05;
- BN ``weight`` ``U(0.5, 1.5)``, ``bias`` ``U(-0.2, 0.2)``, ``running_mean`` ``U(-0.1, 0.1)``,
  ``running_var`` ``U(0.5, 1.5)`` (the official zero-init BN after the upsample would make the
  block the identity: here every BN matters); ``num_batches_tracked`` unchanged;
- other biases ``U(-0.1, 0.1)``.
"""
from __future__ import annotations

import math
import zlib

import torch

__all__ = ['seeded_state_dict']


def _fan_out(shape) -> int:
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[0] * receptive


def seeded_state_dict(template: dict, seed: int = 0) -> dict:
    """A state dict with the keys, shapes and dtypes of ``template`` (module docstring).

    The role of a 1-D ``weight`` / ``bias`` is BN when ``running_mean`` exists beside it."""
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
        elif leaf == 'bias':
            value = torch.empty(shape).uniform_(-0.1, 0.1, generator=gen)
        elif 'fc' in prefix:
            value = torch.empty(shape).normal_(0, 0.05, generator=gen)
        else:
            std = math.sqrt(2.0 / _fan_out(shape))
            value = torch.empty(shape).normal_(0, std, generator=gen)
        out[name] = value.to(ref.dtype)
    return out
