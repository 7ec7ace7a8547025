"""Official TransCAM / Conformer checkpoint -> ours: pure functions on state dicts (no file I/O;
the CLI is ``tools/model_converters/adcam_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

The official ``network/conformer.py::Net`` (TransCAM, from the Conformer repository) and
mmpretrain's ``Conformer`` hold the same tensors; the names differ in the transformer blocks
(``mlp.fc1`` / ``mlp.fc2`` / ``norm1`` / ``norm2`` vs ``ffn.layers.0.0`` / ``ffn.layers.1`` /
``ln1`` / ``ln2``) and in the prefix (our backbone lives under ``backbone.``; the two heads
``conv_cls_head`` / ``trans_cls_head`` keep their names). No official key is left unmapped.
"""
from __future__ import annotations

import re

HEADS = ('conv_cls_head.', 'trans_cls_head.')
# inside transformer blocks (trans_1.*, conv_trans_i.trans_block.*): official -> ours
BLOCK_RENAMES = (('.mlp.fc1.', '.ffn.layers.0.0.'), ('.mlp.fc2.', '.ffn.layers.1.'),
                 ('.norm1.', '.ln1.'), ('.norm2.', '.ln2.'))
_BLOCK = re.compile(r'^(trans_\d+|conv_trans_\d+\.trans_block)\.')


def _rename(name: str, pairs) -> str:
    if _BLOCK.match(name):
        for old, new in pairs:
            name = name.replace(old, new)
    return name


def convert(official: dict) -> dict:
    """Our ``AdcamCAMNet`` state dict from an official TransCAM ``Net`` one (or an official
    Conformer ImageNet checkpoint: its 1000-way heads are converted too; load the backbone part
    with ``init_cfg=dict(type='Pretrained', prefix='backbone.')``)."""
    ours = {}
    for name, value in official.items():
        name = name.removeprefix('module.')  # saved from (Distributed)DataParallel
        if name.startswith(HEADS):
            ours[name] = value
        else:
            ours['backbone.' + _rename(name, BLOCK_RENAMES)] = value
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (for the golden harness and tests). Raises ``KeyError``
    naming keys outside the backbone and the two heads."""
    out, bad = {}, []
    inverse = tuple((new, old) for old, new in BLOCK_RENAMES)
    for name, value in ours.items():
        if name.startswith(HEADS):
            out[name] = value
        elif name.startswith('backbone.'):
            out[_rename(name[len('backbone.'):], inverse)] = value
        else:
            bad.append(name)
    if bad:
        raise KeyError(f'keys with no official counterpart: {bad}')
    return out
