"""Official classifier checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI
is ``tools/model_converters/i2crc_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

The official ``scripts/train.py`` saves ``{'epoch', 'global_counter', 'state_dict',
'optimizer'}`` with the ``VGG`` wrapped in ``DataParallel`` (keys ``module.features.<i>.*``,
``module.extra_convs.<i>.*``); ours are ``backbone.features.<i>.*`` (same indices, see
:mod:`i2crc.models.backbone`) and ``extra_convs.<i>.*``. A bare state dict or torchvision's
``vgg16`` file (``features.*`` + ``classifier.*``; the ``classifier`` keys are dropped, as the
official non-strict load ignores them) converts too.
"""
from __future__ import annotations

# official prefix -> our prefix; every official key must match exactly one
KEY_MAP = (('features.', 'backbone.features.'), ('extra_convs.', 'extra_convs.'))
# torchvision's fully connected layers, unused by the D1 net
DROPPED = ('classifier.',)


def convert(official: dict) -> dict:
    """Our state dict from the official checkpoint (or its ``state_dict``). Raises
    ``KeyError`` naming unmapped keys."""
    if 'state_dict' in official and isinstance(official['state_dict'], dict):
        official = official['state_dict']
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')  # saved from DataParallel
        if name.startswith(DROPPED):
            continue
        for old, new in KEY_MAP:
            if name.startswith(old):
                ours[new + name[len(old):]] = value
                break
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'official keys with no counterpart in i2crc: {unmapped}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (without ``module.``; for tests and the harness)."""
    out = {}
    for name, value in ours.items():
        for old, new in KEY_MAP:
            if name.startswith(new):
                out[old + name[len(new):]] = value
                break
        else:
            raise KeyError(f'{name} has no official counterpart')
    return out
