"""Checkpoint conversion (pure functions on state dicts; the CLI is
``tools/model_converters/collabmem_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

The paper released no code and no weights. What there is to convert is the BASE model: an
mmaction2 ``Recognizer3D`` checkpoint (e.g. mmaction2's I3D-R50 Kinetics-400 model) becomes
our ``CollabMemRecognizer3D`` with the same backbone and head weights; the memory blocks
(``backbone.stage_blocks.*``) are absent from it and keep their initialisation (identity
gates), so the converted model starts as the base model. Load it with ``strict=False`` or with
``load_from`` (mmengine's non-strict load); :func:`memory_keys` lists what stays initialised.
"""
from __future__ import annotations

PREFIXES = ('backbone.', 'cls_head.', 'data_preprocessor.')
MEMORY = 'backbone.stage_blocks.'


def convert(official: dict) -> dict:
    """Our state dict from an mmaction2 ``Recognizer3D`` one (keys kept; ``module.`` of
    (Distributed)DataParallel dropped). Raises ``KeyError`` naming unknown keys."""
    ours, unknown = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')
        if not name.startswith(PREFIXES) or name.startswith(MEMORY):
            unknown.append(name)
        else:
            ours[name] = value
    if unknown:
        raise KeyError(f'keys that are not of an mmaction2 Recognizer3D (backbone. / cls_head.): '
                       f'{unknown}')
    return ours


def to_official(ours: dict) -> dict:
    """The base model's state dict from ours: the memory blocks dropped."""
    return {k: v for k, v in ours.items() if not k.startswith(MEMORY)}


def memory_keys(ours: dict) -> list[str]:
    """The keys of ours that a base checkpoint does not provide."""
    return sorted(k for k in ours if k.startswith(MEMORY))
