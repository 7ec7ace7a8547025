"""Official checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/bnwvad_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

The official ``WSAD`` (``models/model.py``) state dict: ``embedding.conv_1.0`` (Conv1d),
``selfatt.layers.<i>.0.{norm, fn.to_qkv, fn.to_out.0}`` (pre-LN attention),
``selfatt.layers.<i>.1.{norm, fn.net.0, fn.net.3}`` (pre-LN FFN) and ``normal_head.{conv1,
bn1, conv2, bn2, conv3}``. The released ``ckpts/xd_best.pkl`` is not public (the repository
snapshot lacks its blob), so this maps the layout of the official model class.
"""
from __future__ import annotations

import re

# (official regex, our template); every official key must match exactly one
RULES = (
    (r'embedding\.conv_1\.0\.(.+)', r'encoder.embed.\1'),
    (r'selfatt\.layers\.(\d+)\.0\.norm\.(.+)', r'encoder.layers.\1.norm1.\2'),
    (r'selfatt\.layers\.(\d+)\.0\.fn\.to_qkv\.(.+)', r'encoder.layers.\1.attn.qkvt.\2'),
    (r'selfatt\.layers\.(\d+)\.0\.fn\.to_out\.0\.(.+)', r'encoder.layers.\1.attn.proj.\2'),
    (r'selfatt\.layers\.(\d+)\.1\.norm\.(.+)', r'encoder.layers.\1.norm2.\2'),
    (r'selfatt\.layers\.(\d+)\.1\.fn\.net\.0\.(.+)', r'encoder.layers.\1.fc1.\2'),
    (r'selfatt\.layers\.(\d+)\.1\.fn\.net\.3\.(.+)', r'encoder.layers.\1.fc2.\2'),
    (r'normal_head\.((?:conv|bn)\d\..+)', r'head.\1'),
)
INVERSE = (
    (r'encoder\.embed\.(.+)', r'embedding.conv_1.0.\1'),
    (r'encoder\.layers\.(\d+)\.norm1\.(.+)', r'selfatt.layers.\1.0.norm.\2'),
    (r'encoder\.layers\.(\d+)\.attn\.qkvt\.(.+)', r'selfatt.layers.\1.0.fn.to_qkv.\2'),
    (r'encoder\.layers\.(\d+)\.attn\.proj\.(.+)', r'selfatt.layers.\1.0.fn.to_out.0.\2'),
    (r'encoder\.layers\.(\d+)\.norm2\.(.+)', r'selfatt.layers.\1.1.norm.\2'),
    (r'encoder\.layers\.(\d+)\.fc1\.(.+)', r'selfatt.layers.\1.1.fn.net.0.\2'),
    (r'encoder\.layers\.(\d+)\.fc2\.(.+)', r'selfatt.layers.\1.1.fn.net.3.\2'),
    (r'head\.((?:conv|bn)\d\..+)', r'normal_head.\1'),
)


def _rename(state: dict, rules, what: str) -> dict:
    out, unmapped = {}, []
    for name, value in state.items():
        name = name.removeprefix('module.')  # saved from (Distributed)DataParallel
        for pattern, template in rules:
            if re.fullmatch(pattern, name):
                out[re.sub(pattern, template, name)] = value
                break
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'{what} keys with no counterpart: {unmapped}')
    return out


def convert(official: dict) -> dict:
    """Our state dict from the official one. Raises ``KeyError`` naming unmapped keys."""
    return _rename(official, RULES, 'official BN-WVAD')


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (for tests and for running the official code)."""
    return _rename(ours, INVERSE, 'bnwvad')
