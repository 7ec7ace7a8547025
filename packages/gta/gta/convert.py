"""Checkpoint names -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/gta_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

GTA has no official code and no released checkpoint. What can be converted is the plain
backbone GTA is plugged into: an mmaction2 TSM-R50 (``ResNetTSM`` + ``TSMHead``) or I3D-R50
(``ResNet3d`` + ``I3DHead``) recognizer checkpoint. Our backbones keep mmaction2's parameter
names (the GTA blocks live under ``backbone.stage_blocks.``), so :func:`convert` is the identity
on ``backbone.*`` / ``cls_head.*`` and rejects anything else (e.g. mmaction2's own non-local
blocks, ``...non_local_block...``, which GTA replaces): load the result with
``strict=False`` (the GTA blocks start at the identity, G4) or as ``load_from``.
"""
from __future__ import annotations

_KEEP = ('backbone.', 'cls_head.')


def convert(official: dict) -> dict:
    """Our state dict from an mmaction2 TSM / I3D recognizer's. Raises ``KeyError`` naming
    the keys with no counterpart."""
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')  # saved from (Distributed)DataParallel
        if name.startswith(_KEEP) and 'non_local_block' not in name \
                and not name.startswith('backbone.stage_blocks.'):
            ours[name] = value
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'keys with no counterpart in gta (a plain mmaction2 TSM / I3D '
                       f'recognizer checkpoint is expected): {unmapped}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert`: our state dict without the GTA blocks (the plain
    mmaction2 recognizer they were plugged into)."""
    return {k: v for k, v in ours.items() if not k.startswith('backbone.stage_blocks.')}
