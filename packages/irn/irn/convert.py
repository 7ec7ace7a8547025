"""Official checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/irn_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

Accepted inputs:

* torchvision's ImageNet ``resnet50-19c8e357.pth`` (``conv1.weight``, ``layer1.0...``,
  ``fc.*``): -> ``backbone.*`` (``fc`` dropped): the ``init_cfg`` checkpoint of both nets;
* the official ``res50_cam.pth`` (``net/resnet50_cam.py::Net``) -> :class:`irn.models.IrnCAMNet`;
* the official ``res50_irn.pth`` (``AffinityDisplacementLoss`` state dict) ->
  :class:`irn.models.IrnNet`.

The official modules register the ResNet twice (``resnet50.*`` and the aliases ``stage1.0.*``,
``backbone.0.0.*``, ``edge_layers.*``, ``dp_layers.*``, ``newly_added.*``), so their state
dicts hold every tensor under several names; the aliases are dropped (the canonical
``resnet50.*`` and head names are kept), as are the loss's constant buffers
(``path_indices*``, ``disp_target``).
The ``MeanShift`` buffer ``fc_dp7.4.running_mean`` becomes ``mean_shift.running_mean``.
"""
from __future__ import annotations

import re

_RESNET = re.compile(r'^(conv1|bn1|layer[1-4])\.')
_ALIASES = re.compile(r'^(stage\d|backbone\.\d|edge_layers|dp_layers|newly_added)\.')
_CONSTANT = re.compile(r'^(path_indices\d+|disp_target)$')
_HEADS = re.compile(r'^(classifier\.weight|fc_edge[1-6]\.|fc_dp[1-7]\.|mean_shift\.)')


def convert(official: dict) -> dict:
    """Our state dict from the official one. Raises ``KeyError`` naming unmapped keys."""
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')  # saved from (Distributed)DataParallel
        if name.startswith('resnet50.'):
            name = name[len('resnet50.'):]
        if _RESNET.match(name):
            ours['backbone.' + name] = value
        elif name.startswith('fc.') or _CONSTANT.match(name) or _ALIASES.match(name):
            continue
        elif name == 'fc_dp7.4.running_mean':
            ours['mean_shift.running_mean'] = value
        elif _HEADS.match(name):
            ours[name] = value
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'official keys with no counterpart in irn: {unmapped}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (canonical names only: ``resnet50.*`` and the heads)."""
    out = {}
    for name, value in ours.items():
        if name.startswith('backbone.'):
            out['resnet50.' + name[len('backbone.'):]] = value
        elif name == 'mean_shift.running_mean':
            out['mean_shift.running_mean'] = value
            out['fc_dp7.4.running_mean'] = value
        elif _HEADS.match(name):
            out[name] = value
        else:
            raise KeyError(f'{name} has no official counterpart')
    return out

