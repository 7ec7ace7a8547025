"""Official Cross-X checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/crossx_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

Official names (``crossxresnet*.py`` / ``crossxsenet*.py``, ``nn.DataParallel`` prefix
``module.`` removed) -> ours (mmpretrain ``ImageClassifier``: ``backbone.`` = :class:`~crossx.
models.CrossXResNet` / :class:`~crossx.models.CrossXSEResNet`, ``head.`` =
:class:`~crossx.models.CrossXHead`):

=================================  =========================================================
``conv1``, ``bn1``, ``layerN.*``   ``backbone.`` + the same (torchvision = mmpretrain names)
``layerN.K.me.parts.P.{0,2}``      ``backbone.layerN.K.osme.excitations.P.{0,2}`` (ResNet)
``layerN.K.se.parts.P.{0,2}``      ``backbone.layerN.K.osme.excitations.P.{0,2}`` (SENet)
``layerN.K.se.fc.{0,2}``,          ``backbone.layerN.K.se_layer.conv{1,2}.conv`` (Linear
``layerN.K.se.dresponse.{0,2}``    weights become 1x1 conv weights)
``fc_ulti``, ``fc_plty``,          ``head.fc_ulti``, ``head.fc_plty``, ``head.fc_cmbn``
``fc_cmbn``
``conv2_{p+1}``                    ``head.reduce.{p}``
``conv3_{p+1}``, ``bn3_{p+1}``     ``head.fuse.{p}.0``, ``head.fuse.{p}.1``
=================================  =========================================================
"""
from __future__ import annotations

import re

_RULES = (  # (official regex, our template, Linear -> 1x1 conv)
    (r'^(conv1|bn1)\.(.*)$', r'backbone.\1.\2', False),
    (r'^(layer\d+\.\d+)\.(?:me|se)\.parts\.(\d+)\.([02]\..*)$',
     r'backbone.\1.osme.excitations.\2.\3', False),
    (r'^(layer\d+\.\d+)\.se\.(?:fc|dresponse)\.0\.(weight|bias)$',
     r'backbone.\1.se_layer.conv1.conv.\2', True),
    (r'^(layer\d+\.\d+)\.se\.(?:fc|dresponse)\.2\.(weight|bias)$',
     r'backbone.\1.se_layer.conv2.conv.\2', True),
    (r'^(layer\d+\.\d+\.(?:conv\d|bn\d|downsample\.\d)\..*)$', r'backbone.\1', False),
    (r'^(fc_ulti|fc_plty|fc_cmbn)\.(.*)$', r'head.\1.\2', False),
    (r'^conv2_(\d)\.weight$', 'head.reduce.{0}.weight', False),
    (r'^conv3_(\d)\.weight$', 'head.fuse.{0}.0.weight', False),
    (r'^bn3_(\d)\.(.*)$', 'head.fuse.{0}.1.{1}', False),
)


def _our_name(name: str) -> tuple[str, bool] | None:
    for pattern, template, to_conv in _RULES:
        match = re.match(pattern, name)
        if match:
            if '{0}' in template:   # 1-based official part index -> 0-based ours
                groups = (int(match.group(1)) - 1, *match.groups()[1:])
                return template.format(*groups), to_conv
            return match.expand(template), to_conv
    return None


def convert(official: dict) -> dict:
    """Our state dict from an official one. Raises ``KeyError`` naming unmapped keys."""
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')   # saved from nn.DataParallel
        mapped = _our_name(name)
        if mapped is None:
            unmapped.append(name)
            continue
        new, to_conv = mapped
        ours[new] = value[..., None, None] if to_conv and value.dim() == 2 else value
    if unmapped:
        raise KeyError(f'official keys with no counterpart in crossx: {unmapped}')
    return ours


def to_official(ours: dict, senet: bool = False) -> dict:
    """The inverse of :func:`convert` (for tests and for running the official code).

    ``senet``: OSME blocks are named ``se.parts`` / ``se.dresponse`` (``crossxsenet*.py``)
    instead of ``me.parts`` (``crossxresnet*.py``).
    """
    out = {}
    osme_blocks = {m.group(1) for k in ours if (m := re.match(r'^backbone\.(.*)\.osme\.', k))}
    for name, value in ours.items():
        m = re.match(r'^backbone\.(.*)$', name)
        h = re.match(r'^head\.(.*)$', name)
        if m:
            rest = m.group(1)
            if (s := re.match(r'^(.*)\.osme\.excitations\.(\d+)\.(.*)$', rest)):
                kind = 'se' if senet else 'me'
                out[f'{s.group(1)}.{kind}.parts.{s.group(2)}.{s.group(3)}'] = value
            elif (s := re.match(r'^(.*)\.se_layer\.conv([12])\.conv\.(.*)$', rest)):
                kind = 'dresponse' if s.group(1) in osme_blocks else 'fc'
                index = 0 if s.group(2) == '1' else 2
                out[f'{s.group(1)}.se.{kind}.{index}.{s.group(3)}'] = \
                    value.flatten(1) if value.dim() == 4 else value
            else:
                out[rest] = value
        elif h:
            rest = h.group(1)
            if (s := re.match(r'^reduce\.(\d+)\.weight$', rest)):
                out[f'conv2_{int(s.group(1)) + 1}.weight'] = value
            elif (s := re.match(r'^fuse\.(\d+)\.0\.weight$', rest)):
                out[f'conv3_{int(s.group(1)) + 1}.weight'] = value
            elif (s := re.match(r'^fuse\.(\d+)\.1\.(.*)$', rest)):
                out[f'bn3_{int(s.group(1)) + 1}.{s.group(2)}'] = value
            elif rest.startswith(('fc_ulti.', 'fc_plty.', 'fc_cmbn.')):
                out[rest] = value
            else:
                raise KeyError(f'{name} has no official counterpart')
        else:
            raise KeyError(f'{name} has no official counterpart')
    return out
