"""Official checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/psa_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

Our modules keep the official names (``network/resnet38d.py``, ``resnet38_cls.py``,
``resnet38_aff.py``), so the conversion is a prefix: backbone keys (``conv1a``, ``b2`` ..
``b7``, ``bn7``) go under ``backbone.``; the heads (``fc8`` of the CAM net, ``f8_3``, ``f8_4``,
``f8_5``, ``f9`` of AffinityNet) keep their names.  It reads

* the ImageNet ResNet-38 weights as the official ``convert_mxnet_to_torch`` saves them from
  ``ilsvrc-cls_rna-a1_cls1000_ep-0001.params`` (backbone keys only; ``linear1000`` dropped by
  that function) -> the ``init_cfg`` checkpoint of the backbone (``prefix='backbone.'``),
* the released ``res38_cls.pth`` / ``res38_aff.pth`` (whole nets) -> ``load_from``.

``module.`` prefixes of (Distributed)DataParallel checkpoints are dropped.
"""
from __future__ import annotations

import re

BACKBONE = re.compile(r'^(conv1a|b[2-7](_\d+)?|bn7)\.')
HEADS = re.compile(r'^(fc8|f8_3|f8_4|f8_5|f9)\.')
DROPPED = re.compile(r'^linear1000')  # ImageNet classifier of the MXNet weights, if kept


def convert(official: dict) -> dict:
    """Our state dict from the official one. Raises ``KeyError`` naming unmapped keys."""
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')
        if BACKBONE.match(name):
            ours['backbone.' + name] = value
        elif HEADS.match(name):
            ours[name] = value
        elif not DROPPED.match(name):
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'official keys with no counterpart in psa: {unmapped}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (for tests and for running the official code)."""
    out = {}
    for name, value in ours.items():
        if name.startswith('backbone.') and BACKBONE.match(name[len('backbone.'):]):
            out[name[len('backbone.'):]] = value
        elif HEADS.match(name):
            out[name] = value
        elif name.startswith('data_preprocessor.'):
            continue
        else:
            raise KeyError(f'{name} has no official counterpart')
    return out
