"""Official MotionSqueeze checkpoint <-> ours: pure functions on state dicts (no file I/O; the CLI
is ``tools/model_converters/motionsqueeze_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

Official names (``arunos728/MotionSqueeze`` ``resnet_TSM.py`` ``ResNet`` inside ``models.py``
``TSN``; saved from ``nn.DataParallel``, hence ``module.``):

``module.base_model.conv1 / bn1``                    stem
``module.base_model.layer{1-4}.{i}.conv{k} / bn{k}``  residual blocks (``conv1`` is shifted)
``module.base_model.layer{1-4}.{i}.downsample.{0,1}`` projection shortcut
``module.base_model.chnl_reduction.{0,1}``           MS channel reduction (conv, BN)
``module.base_model.flow_refinement.conv{1-4}.{0-5}`` MS depthwise-separable encoder
``module.new_fc`` (dropout > 0) or ``base_model.fc1``  ``Conv1d(D, classes, 1)`` classifier
``module.base_model.bn2``                            a ``BatchNorm2d(128)`` the forward never uses

Ours: mmaction2 ``Recognizer2D`` with ``ResNetTSMWithBlocks`` (``backbone.conv1.conv``,
``backbone.conv1.bn``, ``backbone.layerL.i.conv1.conv.net`` for the shifted conv,
``backbone.layerL.i.convK.conv`` / ``.bn``, ``backbone.layerL.i.downsample.conv`` / ``.bn``),
the MS module at ``backbone.stage_blocks.layer2_after`` (``reduce.{0,1}``,
``encoder.{0-3}.{0-5}``) and ``TSMHead`` (``cls_head.fc_cls``, a ``Linear``).
"""
from __future__ import annotations

import re

import torch

BLOCK = 'backbone.stage_blocks.layer2_after.'
UNUSED = ('bn2.',)  # official ResNet.bn2: built, never called in forward
_BN = ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')
_RES = re.compile(r'^(layer\d\.\d+)\.(conv|bn)(\d)\.(.+)$')
_DOWN = re.compile(r'^(layer\d\.\d+)\.downsample\.([01])\.(.+)$')
_ENC = re.compile(r'^flow_refinement\.conv([1-4])\.([0-5])\.(.+)$')
_RED = re.compile(r'^chnl_reduction\.([01])\.(.+)$')


def _ours_name(name: str) -> str | None:
    """Our name of an official key (``base_model.``/``module.`` stripped); None: unmapped."""
    if name.startswith(('fc1.', 'new_fc.')):
        return 'cls_head.fc_cls.' + name.split('.', 1)[1]
    if name.startswith('conv1.'):
        return 'backbone.conv1.conv.' + name[len('conv1.'):]
    if name.startswith('bn1.'):
        return 'backbone.conv1.bn.' + name[len('bn1.'):]
    if m := _RES.match(name):
        block, kind, k, rest = m.groups()
        if kind == 'conv':
            return f'backbone.{block}.conv{k}.conv.' + ('net.' if k == '1' else '') + rest
        return f'backbone.{block}.conv{k}.bn.{rest}'
    if m := _DOWN.match(name):
        block, i, rest = m.groups()
        return f'backbone.{block}.downsample.{"conv" if i == "0" else "bn"}.{rest}'
    if m := _RED.match(name):
        return f'{BLOCK}reduce.{m.group(1)}.{m.group(2)}'
    if m := _ENC.match(name):
        return f'{BLOCK}encoder.{int(m.group(1)) - 1}.{m.group(2)}.{m.group(3)}'
    return None


def convert(official: dict) -> dict:
    """Our state dict from the official one (a ``TSN`` checkpoint, with or without
    ``module.`` / ``base_model.``, or a bare ``resnet_TSM.ResNet`` state dict).

    The ``Conv1d`` classifier ``(classes, D, 1)`` becomes ``TSMHead.fc_cls`` ``(classes, D)``;
    the unused ``bn2`` is dropped. Raises ``KeyError`` naming every unmapped key.
    """
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.').removeprefix('base_model.')
        if name.startswith(UNUSED):
            continue
        new = _ours_name(name)
        if new is None:
            unmapped.append(name)
            continue
        if new == 'cls_head.fc_cls.weight' and value.dim() == 3:
            value = value.squeeze(-1)
        ours[new] = value
    if unmapped:
        raise KeyError(f'official keys with no counterpart in motionsqueeze: {unmapped}')
    return ours


def to_official(ours: dict, fc: str = 'fc1', unused_bn_channels: int | None = 128) -> dict:
    """The inverse of :func:`convert`, as a bare ``resnet_TSM.ResNet`` state dict (``fc`` =
    ``'fc1'``) or TSN-style (``fc='new_fc'``: prefix the rest with ``base_model.`` yourself).

    ``unused_bn_channels``: write the official unused ``bn2`` with default values so that the
    official model loads strictly (None: leave it out).
    """
    out = {}
    for name, value in ours.items():
        official = _official_name(name, fc)
        if official is None:
            raise KeyError(f'{name} has no official counterpart')
        if official == f'{fc}.weight' and value.dim() == 2:
            value = value.unsqueeze(-1)
        out[official] = value
    if unused_bn_channels:
        c = unused_bn_channels
        defaults = (torch.ones(c), torch.zeros(c), torch.zeros(c), torch.ones(c),
                    torch.tensor(0))
        out.update({f'bn2.{k}': v for k, v in zip(_BN, defaults)})
    return out


def _official_name(name: str, fc: str) -> str | None:
    if name.startswith('cls_head.fc_cls.'):
        return f'{fc}.' + name[len('cls_head.fc_cls.'):]
    if name.startswith('backbone.conv1.conv.'):
        return 'conv1.' + name[len('backbone.conv1.conv.'):]
    if name.startswith('backbone.conv1.bn.'):
        return 'bn1.' + name[len('backbone.conv1.bn.'):]
    if name.startswith(BLOCK):
        rest = name[len(BLOCK):]
        if m := re.match(r'^reduce\.([01])\.(.+)$', rest):
            return f'chnl_reduction.{m.group(1)}.{m.group(2)}'
        if m := re.match(r'^encoder\.([0-3])\.([0-5])\.(.+)$', rest):
            return f'flow_refinement.conv{int(m.group(1)) + 1}.{m.group(2)}.{m.group(3)}'
        return None
    if m := re.match(r'^backbone\.(layer\d\.\d+)\.conv(\d)\.conv\.(?:net\.)?(.+)$', name):
        return f'{m.group(1)}.conv{m.group(2)}.{m.group(3)}'
    if m := re.match(r'^backbone\.(layer\d\.\d+)\.conv(\d)\.bn\.(.+)$', name):
        return f'{m.group(1)}.bn{m.group(2)}.{m.group(3)}'
    if m := re.match(r'^backbone\.(layer\d\.\d+)\.downsample\.(conv|bn)\.(.+)$', name):
        return f'{m.group(1)}.downsample.{0 if m.group(2) == "conv" else 1}.{m.group(3)}'
    return None
