"""An mmaction2 TSN / TSM checkpoint (``Recognizer2D`` with ``ResNet`` / ``ResNetTSM`` and a
TSN / TSM head) -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/hcml_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

HCML has no official code and no released weights; the backbone and head of our recognizer
keep mmaction2's parameter names, so the checkpoint of the base recognizer maps one to one and
the motion hierarchy (``backbone.motion.*``) and the contrastive heads (``contrastive.*``) are
what it lacks (load the result with ``strict=False``, or as ``load_from``: both stay at their
initialisation, the fusion at zero: the base model's function).
"""
from __future__ import annotations

OURS_ONLY = ('backbone.motion.', 'contrastive.')
KNOWN = ('backbone.', 'cls_head.', 'data_preprocessor.')


def convert(official: dict) -> dict:
    """Our state dict from an mmaction2 TSN / TSM one. Raises ``KeyError`` naming unmapped
    keys."""
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')  # saved from (Distributed)DataParallel
        if name.startswith(KNOWN) and not name.startswith(OURS_ONLY):
            ours[name] = value
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'keys with no counterpart in an mmaction2 TSN / TSM recognizer: '
                       f'{unmapped}')
    return ours


def to_official(ours: dict) -> dict:
    """The base recognizer's state dict (the motion hierarchy and contrastive heads dropped)."""
    out = {}
    for name, value in ours.items():
        if name.startswith(OURS_ONLY):
            continue
        if not name.startswith(KNOWN):
            raise KeyError(f'{name} has no counterpart in the base recognizer')
        out[name] = value
    return out
