"""Golden weights of irn: one deterministic rule, used by the harness
(``tests/golden/make_golden.py``, which loads them into the official modules through
:func:`irn.convert.to_official`) and by the tests (which rebuild them instead of storing a
94 MB ResNet-50 state dict).

:func:`golden_fill` walks the state dict in sorted-name order with one seeded generator:
conv weights ``N(0, 2 / fan_in)`` (He), conv biases ``N(0, 0.1)``; BatchNorm running mean
``N(0, 0.1)``, running var ``U(0.5, 1)``, weight ``U(0.5, 1)``, bias ``N(0, 0.1)`` (so the fixed
BN is no identity); GroupNorm weight ``U(0.5, 1.5)``, bias ``N(0, 0.2)``.  Other buffers keep
their values.
"""
from __future__ import annotations

import torch
import torch.nn as nn


@torch.no_grad()
def golden_fill(model: nn.Module, seed: int) -> nn.Module:
    gen = torch.Generator().manual_seed(seed)
    kinds = {}
    for name, m in model.named_modules():
        for p in ('weight', 'bias', 'running_mean', 'running_var'):
            kinds[f'{name}.{p}' if name else p] = (type(m), p)
    state = model.state_dict()
    for name in sorted(state):
        t = state[name]
        kind, p = kinds.get(name, (None, None))
        if kind is None or not t.is_floating_point():
            continue
        if issubclass(kind, nn.Conv2d):
            if p == 'weight':
                fan_in = t[0].numel()
                t.copy_(torch.randn(t.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=gen) * 0.1)
        elif issubclass(kind, nn.modules.batchnorm._BatchNorm):
            if p in ('running_var', 'weight'):
                t.copy_(torch.rand(t.shape, generator=gen) * 0.5 + 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=gen) * 0.1)
        elif issubclass(kind, nn.GroupNorm):
            if p == 'weight':
                t.copy_(torch.rand(t.shape, generator=gen) + 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=gen) * 0.2)
    return model
