"""Deterministic, non-degenerate weights for the golden tests (shared by
``tests/golden/make_golden.py``, which runs the official code with them, and the tests, which
regenerate them instead of committing ~150 MB of weights)."""
from __future__ import annotations

import zlib

import torch

# the golden models: ResNet-50 widths, (1, 1, 2, 2) blocks (the last block of stages 3 and 4
# carries OSME, as in ResNet-50), 5 classes, 2 parts, 64 x 64 inputs
STAGE_BLOCKS = (1, 1, 2, 2)
NUM_CLASSES, NUM_PARTS, IMAGE = 5, 2, 64


def official_like_weights(state: dict, seed: int = 0) -> dict:  # candidate for cvshared
    """A value for every entry of an official state dict, from its name and ``seed`` only.

    Convolutions: N(0, 2 / fan_in) (activations keep their scale through the blocks);
    BN: weight U(0.5, 1.5), bias N(0, 0.2), running mean N(0, 0.2), running var U(0.5, 1.5);
    OSME / SE excitations: N(0, 1 / C) then N(0, 1) weights, N(0, 1) biases, so gates
    spread over (0, 1) and differ between parts instead of sitting at 0.5; classifiers:
    N(0, 0.09 / D).
    """
    out = {}
    for name, ref in state.items():
        g = torch.Generator().manual_seed(zlib.crc32(name.encode()) ^ seed)
        shape = ref.shape
        if name.endswith('num_batches_tracked'):
            out[name] = ref.clone()
        elif name.endswith('running_mean'):
            out[name] = 0.2 * torch.randn(shape, generator=g)
        elif name.endswith('running_var'):
            out[name] = 0.5 + torch.rand(shape, generator=g)
        elif ref.dim() == 4:
            fan_in = shape[1] * shape[2] * shape[3]
            out[name] = torch.randn(shape, generator=g) * (2.0 / fan_in) ** 0.5
        elif ref.dim() == 1 and _is_norm(name, state):
            out[name] = (0.5 + torch.rand(shape, generator=g)) if name.endswith('weight') \
                else 0.2 * torch.randn(shape, generator=g)
        elif ref.dim() == 2:
            if name.endswith('.2.weight'):     # excitation: hidden -> C
                scale = 1.0
            elif name.endswith('.0.weight'):   # excitation: C -> hidden (inputs ~ 1 each)
                scale = (1.0 / shape[1]) ** 0.5
            else:                              # classifiers
                scale = 0.3 * (1.0 / shape[1]) ** 0.5
            out[name] = torch.randn(shape, generator=g) * scale
        else:   # Linear biases
            out[name] = torch.randn(shape, generator=g) * (1.0 if '.2.bias' in name else 0.1)
    return out


def _is_norm(name: str, state: dict) -> bool:
    return name.rsplit('.', 1)[0] + '.running_mean' in state
