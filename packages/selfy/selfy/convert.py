"""Official SELFY checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/selfy_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

Official names (arunos728/SELFY ``ops/models.py`` ``TSN`` around ``ops/resnet_TSM.py``
``ResNet``, saved from ``DataParallel``, so ``module.`` first):

==============================================  ===================================================
official                                        ours (mmaction2 ``Recognizer2D``)
==============================================  ===================================================
``base_model.conv1.weight`` / ``bn1.*``         ``backbone.conv1.conv.weight`` / ``conv1.bn.*``
``base_model.layerS.B.conv1.weight``            ``backbone.layerS.B.conv1.conv.net.weight`` (TSM's
                                                ``TemporalShift`` wraps the first conv)
``base_model.layerS.B.conv{2,3}.weight``        ``backbone.layerS.B.conv{2,3}.conv.weight``
``base_model.layerS.B.bnK.*``                   ``backbone.layerS.B.convK.bn.*``
``base_model.layerS.B.downsample.0/1.*``        ``backbone.layerS.B.downsample.conv/bn.*``
``base_model.selfy.*``                          ``backbone.stage_blocks.layer2_after.*`` (same
                                                inner names, see :mod:`selfy.models.selfy_block`)
``new_fc.weight`` ``(K, 2048, 1)`` / ``bias``   ``cls_head.fc_cls.weight`` ``(K, 2048)`` / ``bias``
``base_model.fc1.*`` (dropout 0: the Conv1d)    ``cls_head.fc_cls.*`` likewise
==============================================  ===================================================
"""
from __future__ import annotations

import re

BLOCK = 'backbone.stage_blocks.layer2_after.'
_LAYER = re.compile(r'^layer(\d)\.(\d+)\.(conv|bn)([123])\.(.+)$')
_DOWN = re.compile(r'^layer(\d)\.(\d+)\.downsample\.([01])\.(.+)$')
_OURS_LAYER = re.compile(r'^backbone\.layer(\d)\.(\d+)\.conv([123])\.(conv\.net|conv|bn)\.(.+)$')
_OURS_DOWN = re.compile(r'^backbone\.layer(\d)\.(\d+)\.downsample\.(conv|bn)\.(.+)$')


def _one(name: str, value):
    if name.startswith('new_fc.') or name.startswith('base_model.fc1.'):
        leaf = name.rsplit('.', 1)[1]
        if leaf == 'weight' and value.dim() == 3:
            value = value[..., 0]  # Conv1d kernel 1 -> Linear
        return 'cls_head.fc_cls.' + leaf, value
    if not name.startswith('base_model.'):
        return None, value
    name = name[len('base_model.'):]
    if name.startswith('selfy.'):
        return BLOCK + name[len('selfy.'):], value
    if name == 'conv1.weight':
        return 'backbone.conv1.conv.weight', value
    if name.startswith('bn1.'):
        return 'backbone.conv1.bn.' + name[4:], value
    if m := _LAYER.match(name):
        stage, idx, kind, k, leaf = m.groups()
        inner = ('conv.net' if k == '1' else 'conv') if kind == 'conv' else 'bn'
        return f'backbone.layer{stage}.{idx}.conv{k}.{inner}.{leaf}', value
    if m := _DOWN.match(name):
        stage, idx, which, leaf = m.groups()
        return f'backbone.layer{stage}.{idx}.downsample.{"conv" if which == "0" else "bn"}.' \
               f'{leaf}', value
    return None, value


def convert(official: dict) -> dict:
    """Our state dict from the official one. Raises ``KeyError`` naming unmapped keys."""
    ours, unmapped = {}, []
    for name, value in official.items():
        new, value = _one(name.removeprefix('module.'), value)
        if new is None:
            unmapped.append(name)
        else:
            ours[new] = value
    if unmapped:
        raise KeyError(f'official keys with no counterpart in selfy: {unmapped}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (classifier as ``new_fc``, a ``Conv1d`` weight), without
    the ``module.`` prefix."""
    out = {}
    for name, value in ours.items():
        if name.startswith('cls_head.fc_cls.'):
            leaf = name.rsplit('.', 1)[1]
            out['new_fc.' + leaf] = value[..., None] if leaf == 'weight' else value
        elif name.startswith(BLOCK):
            out['base_model.selfy.' + name[len(BLOCK):]] = value
        elif name.startswith('backbone.conv1.conv.'):
            out['base_model.conv1.' + name[len('backbone.conv1.conv.'):]] = value
        elif name.startswith('backbone.conv1.bn.'):
            out['base_model.bn1.' + name[len('backbone.conv1.bn.'):]] = value
        elif m := _OURS_LAYER.match(name):
            stage, idx, k, inner, leaf = m.groups()
            kind = 'bn' if inner == 'bn' else 'conv'
            out[f'base_model.layer{stage}.{idx}.{kind}{k}.{leaf}'] = value
        elif m := _OURS_DOWN.match(name):
            stage, idx, which, leaf = m.groups()
            out[f'base_model.layer{stage}.{idx}.downsample.{0 if which == "conv" else 1}.'
                f'{leaf}'] = value
        else:
            raise KeyError(f'{name} has no official counterpart')
    return out
