"""The golden weights of bnwvad, in one place for the harness (tests/golden/make_golden.py) and
the tests: every parameter filled from a seeded generator by name (so ours and the official
model get the same values through :func:`bnwvad.convert.to_official`), the attention
projections scaled so that the softmax attention is far from uniform, and BN running buffers
set to non-trivial values (mean ~ N(0, 0.5), var in [0.5, 2])."""
from __future__ import annotations

import torch

ATTN_STD = 0.08     # q k^T / sqrt(128) logits of a few units: peaked attention (tested)
WEIGHT_GAIN = 1.5   # std = gain / sqrt(fan_in) for the other weights
BIAS_STD = 0.1


def golden_model(in_channels: int = 1024):
    """Our BN-WVAD at the official sizes (width 512, 2 layers, 4 x 128 heads, ratios 16/32)."""
    from .models import BNWVAD
    return BNWVAD(encoder=dict(type='BnwvadTemporalEncoder', in_channels=in_channels),
                  head=dict(type='BnwvadNormalHead'))


def fill_golden_weights(model, seed: int = 0):
    """Fill ``model`` (ours) in place, deterministically per ``seed``; returns it."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in sorted(model.state_dict(keep_vars=True).items()):
            if name.endswith('num_batches_tracked'):
                continue
            if name.endswith('running_var'):
                value = 0.5 + 1.5 * torch.rand(tensor.shape, generator=gen)
            elif name.endswith('running_mean'):
                value = 0.5 * torch.randn(tensor.shape, generator=gen)
            elif 'norm' in name.split('.')[-2] and name.endswith('weight'):
                value = 1 + 0.1 * torch.randn(tensor.shape, generator=gen)
            else:
                if tensor.dim() >= 2:   # fan-in scaled, so that every layer's output varies
                    fan_in = tensor[0].numel()
                    std = ATTN_STD if 'qkvt' in name else WEIGHT_GAIN / fan_in ** 0.5
                else:
                    std = BIAS_STD
                value = std * torch.randn(tensor.shape, generator=gen)
            tensor.copy_(value)
    return model
