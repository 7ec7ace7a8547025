"""Official checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/logratio_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

The official ``PoseModel_Resnet34`` keeps a torchvision ResNet as ``self.model`` with its
``fc`` replaced by the embedding layer; mmpretrain's ``ResNet`` uses torchvision's names
(``conv1``, ``bn1``, ``layer1.0.conv1``, ``downsample.0``...), so the map is by prefix.
Official checkpoints are ``{'epoch', 'state_dict', 'lr'}``; pass the ``state_dict``.
"""
from __future__ import annotations

# official prefix -> our prefix; every official key must match exactly one (fc first)
KEY_MAP = (('model.fc.', 'fc.'), ('model.', 'backbone.'))


def convert(official: dict) -> dict:
    """Our state dict from the official one. Raises ``KeyError`` naming unmapped keys."""
    if 'state_dict' in official and isinstance(official['state_dict'], dict):
        official = official['state_dict']  # the whole official checkpoint file
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')  # saved from DataParallel (--data-parallel)
        for old, new in KEY_MAP:
            if name.startswith(old):
                ours[new + name[len(old):]] = value
                break
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'official keys with no counterpart in logratio: {unmapped}')
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
