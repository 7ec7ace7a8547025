"""Official checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/ppap_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

The official ``run.py`` saves (``utils/common_utils.py::save_checkpoint``) a dict with
``net_model_state_dict`` (``DinoFeaturizer``: the frozen ViT ``model.*``, the decoder
``decoder.*``, ``project_head.*``), ``linear_model_state_dict`` (the 1 x 1 conv ``weight`` /
``bias``) and ``cluster_model_state_dict`` (``clusters``), besides epoch / optimiser entries.
Ours (:class:`ppap.models.PPAPSegmentor`): ``backbone.vit.*`` (the official ViT names are
timm's, :mod:`cvshared.useg.dino`), ``decoder.*``, ``project_head.*``, ``linear_probe.*``,
``cluster_probe.clusters``.
"""
from __future__ import annotations

#: official entry -> (official prefix -> our prefix); every key must match one
PARTS = {
    'net_model_state_dict': (('model.', 'backbone.vit.'), ('decoder.', 'decoder.'),
                             ('project_head.', 'project_head.')),
    'linear_model_state_dict': (('', 'linear_probe.'),),
    'cluster_model_state_dict': (('', 'cluster_probe.'),),
}


def convert(official: dict) -> dict:
    """Our state dict from an official checkpoint dict. Raises ``KeyError`` naming a missing
    part or the keys with no counterpart."""
    missing = [p for p in PARTS if p not in official]
    if missing:
        raise KeyError(f'not an official PPAP checkpoint: no {missing} (found '
                       f'{sorted(official)[:8]}); expected the best.pth / ckpt.pth that the '
                       'official run.py saves')
    ours, unmapped = {}, []
    for part, prefixes in PARTS.items():
        for name, value in official[part].items():
            name = name.removeprefix('module.')  # saved from (Distributed)DataParallel
            for old, new in prefixes:
                if name.startswith(old):
                    ours[new + name[len(old):]] = value
                    break
            else:
                unmapped.append(f'{part}: {name}')
    if unmapped:
        raise KeyError(f'official keys with no counterpart in ppap: {unmapped[:8]}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (for tests and for running the official code)."""
    out = {part: {} for part in PARTS}
    for name, value in ours.items():
        for part, prefixes in PARTS.items():
            hit = next(((old, new) for old, new in prefixes if name.startswith(new)), None)
            if hit is not None:
                out[part][hit[0] + name[len(hit[1]):]] = value
                break
        else:
            raise KeyError(f'{name} has no official counterpart')
    return out
