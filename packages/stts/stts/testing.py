"""Deterministic weights for the golden tests, shared by ``tests/test_golden.py`` and the harness
``tests/golden/make_golden.py`` (which fills the official modules with them): every tensor is a
function of its official state-dict name's rank in sorted order, its shape and a scale, so both
codes get the same weights without storing them.
"""
from __future__ import annotations

import torch


def fill(shapes: dict, scale_of=None) -> dict:
    """Weights by sorted key: key ``i`` gets ``randn(generator seed i) * scale``, plus 1 for
    norm weights; integer ``relative_position_index`` buffers keep their index ``i`` but are
    left out (each code builds them). ``scale_of(key)`` gives the scale (default 0.1, the
    legacy rule that the tests of ``official_swin_tiny.pt`` / ``official_mvit_small.pt`` repeat)."""
    out = {}
    for i, key in enumerate(sorted(shapes)):
        if 'relative_position_index' in key:  # integer buffers: rebuilt by each code, kept
            continue
        scale = 0.1 if scale_of is None else scale_of(key)
        r = torch.randn(shapes[key], generator=torch.Generator().manual_seed(i)) * scale
        parts = key.split('.')
        norm_weight = len(parts) >= 2 and 'norm' in parts[-2] and parts[-1] == 'weight'
        out[key] = 1 + r if norm_weight else r
    return out


def sharp_scale(key: str) -> float:
    """Scales for the raw-input goldens: attention far from uniform, scorers that separate.

    q / k / v projections at 0.5 (attention logits of std about ``C s^2`` = 4 to 8 here instead
    of 0.16 at 0.1), relative-position tables at 1, scorer layers at 0.5, the rest at 0.1.
    """
    if 'relative_position_bias_table' in key:
        return 1.0
    if '.qkv.' in key or '.q.' in key or '.k.' in key or '.v.' in key:
        return 0.5
    if 'score' in key:
        return 0.5
    return 0.1
