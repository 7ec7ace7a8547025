"""Official checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/dkl_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

The official adversarially trained WideResNets (``DKLv1/Adv-training-dkl/models/
wideresnet.py``, saved from ``nn.DataParallel``: ``module.`` prefixes) -> our
``IKLAdvClassifier`` with a :class:`dkl.models.DklWideResNet` backbone and a
``LinearClsHead``.
"""
from __future__ import annotations

import re

# (official regex, our template); every official key must match exactly one
RULES = (
    (r'^conv1\.(.+)$', r'backbone.stem.\1'),
    (r'^block(\d)\.layer\.(\d+)\.bn1\.(.+)$', 'backbone.stages.{s}.\\2.norm1.\\3'),
    (r'^block(\d)\.layer\.(\d+)\.bn2\.(.+)$', 'backbone.stages.{s}.\\2.norm2.\\3'),
    (r'^block(\d)\.layer\.(\d+)\.conv1\.(.+)$', 'backbone.stages.{s}.\\2.conv1.\\3'),
    (r'^block(\d)\.layer\.(\d+)\.conv2\.(.+)$', 'backbone.stages.{s}.\\2.conv2.\\3'),
    (r'^block(\d)\.layer\.(\d+)\.convShortcut\.(.+)$', 'backbone.stages.{s}.\\2.shortcut.\\3'),
    (r'^bn1\.(.+)$', r'backbone.norm_out.\1'),
    (r'^fc\.(.+)$', r'head.fc.\1'),
)
INVERSE = (
    (r'^backbone\.stem\.(.+)$', r'conv1.\1'),
    (r'^backbone\.stages\.(\d)\.(\d+)\.norm1\.(.+)$', 'block{s}.layer.\\2.bn1.\\3'),
    (r'^backbone\.stages\.(\d)\.(\d+)\.norm2\.(.+)$', 'block{s}.layer.\\2.bn2.\\3'),
    (r'^backbone\.stages\.(\d)\.(\d+)\.conv1\.(.+)$', 'block{s}.layer.\\2.conv1.\\3'),
    (r'^backbone\.stages\.(\d)\.(\d+)\.conv2\.(.+)$', 'block{s}.layer.\\2.conv2.\\3'),
    (r'^backbone\.stages\.(\d)\.(\d+)\.shortcut\.(.+)$', 'block{s}.layer.\\2.convShortcut.\\3'),
    (r'^backbone\.norm_out\.(.+)$', r'bn1.\1'),
    (r'^head\.fc\.(.+)$', r'fc.\1'),
)


def _apply(rules, name: str, stage_shift: int) -> str | None:
    for pattern, template in rules:
        match = re.match(pattern, name)
        if match:
            if '{s}' in template:
                template = template.replace('{s}', str(int(match.group(1)) + stage_shift))
            return match.expand(template)
    return None


def convert(official: dict) -> dict:
    """Our state dict from the official one. Raises ``KeyError`` naming unmapped keys."""
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')  # saved from (Distributed)DataParallel
        new = _apply(RULES, name, -1)
        if new is None:
            unmapped.append(name)
        else:
            ours[new] = value
    if unmapped:
        raise KeyError(f'official keys with no counterpart in dkl: {unmapped}')
    if 'head.fc.weight' in ours:   # our GI prior buffers (not in the official model): reset
        import torch
        c = ours['head.fc.weight'].shape[0]
        ours['class_prior.prior'] = torch.full((c, c), 1.0 / c)
        ours['class_prior.running'] = torch.zeros(c, c)
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (for tests and for running the official code)."""
    out = {}
    for name, value in ours.items():
        if name.startswith('class_prior.'):
            continue   # ours only (the GI prior buffers)
        new = _apply(INVERSE, name, 1)
        if new is None:
            raise KeyError(f'{name} has no official counterpart')
        out[new] = value
    return out
