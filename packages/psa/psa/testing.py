"""Deterministic weights for the golden tests, shared by ``tests/test_golden.py`` and the harness
``tests/golden/make_golden.py`` (which fills the official modules with them): every tensor is a
function of its state-dict name's rank in sorted order and its shape, so both codes get the same
weights without storing 100 M parameters.

Scales make every part matter: conv weights ``N(0, 1 / fan_in)`` (activations neither vanish
nor explode through the 38 layers), BatchNorm affine ``1 + 0.2 N`` / ``0.2 N`` and running
statistics ``0.2 N`` / ``exp(0.3 N)`` (so the frozen BN is far from the identity).
"""
from __future__ import annotations

import math

import torch


def fill(shapes: dict) -> dict:
    """``{name: tensor}`` for ``{name: shape}`` (floating entries only; the caller drops
    ``num_batches_tracked``)."""
    out = {}
    for i, key in enumerate(sorted(shapes)):
        shape = tuple(shapes[key])
        r = torch.randn(shape, generator=torch.Generator().manual_seed(i))
        last = key.rsplit('.', 1)[-1]
        is_bn = '.bn' in key or key.startswith('bn')
        if last == 'running_var':
            out[key] = torch.exp(0.3 * r)
        elif last == 'running_mean' or (is_bn and last == 'bias'):
            out[key] = 0.2 * r
        elif is_bn and last == 'weight':
            out[key] = 1 + 0.2 * r
        else:  # conv weights
            fan_in = math.prod(shape[1:]) if len(shape) > 1 else 1
            out[key] = r / math.sqrt(fan_in)
    return out


def shapes_of(state_dict: dict) -> dict:
    return {k: tuple(v.shape) for k, v in state_dict.items() if v.is_floating_point()}
