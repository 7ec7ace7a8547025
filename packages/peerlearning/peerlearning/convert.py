"""Official checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/peerlearning_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

TODO: replace ``KEY_MAP`` by the official names (read the official model definition).
"""
from __future__ import annotations

# official prefix -> our prefix; every official key must match exactly one
KEY_MAP = (('features.', 'backbone.'), ('classifier.', 'head.'))


def convert(official: dict) -> dict:
    """Our state dict from the official one. Raises ``KeyError`` naming unmapped keys."""
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')  # saved from (Distributed)DataParallel
        for old, new in KEY_MAP:
            if name.startswith(old):
                ours[new + name[len(old):]] = value
                break
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'official keys with no counterpart in peerlearning: {unmapped}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (for tests and for running the official code)."""
    out = {}
    for name, value in ours.items():
        for old, new in KEY_MAP:
            if name.startswith(new):
                out[old + name[len(new):]] = value
                break
        else:
            raise KeyError(f'{name} has no official counterpart')
    return out
