"""Official HP checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/hp_official_to_ours.py``, which loads through ``cvshared.checkpoint``).

The official ``utils/common_utils.py::save_checkpoint`` writes ``net_model_state_dict``
(``DinoFeaturizer``: the ViT ``model.*``, the head ``cluster1.0``, ``cluster2.{0,2}`` and its
EMA copies ``ema_model1.0``, ``ema_model2.{0,2}``), ``linear_model_state_dict`` (a
``Conv2d``: ``weight``, ``bias``) and ``cluster_model_state_dict`` (``ClusterLookup``:
``clusters``), plus optimiser states and counters (ignored). Ours (:class:`hp.models.HPSegmentor`):
``backbone.vit.*`` (the DINO ViT keys are timm's), ``head.cluster1.0``, ``head.cluster2.*``,
``head.ema.cluster1.0``, ``head.ema.cluster2.*``, ``linear_probe.*``, ``cluster_probe.clusters``.

The projection head ``Linear(dim, dim)`` is not saved by the official (``run.py`` keeps it
outside the checkpoint); it only serves training, so the converted checkpoint gets the identity
(``proj.weight = I``, ``proj.bias = 0``) to load strictly. ``dim`` is read from the head.
"""
from __future__ import annotations

import torch

__all__ = ['NET_MAP', 'convert', 'to_official']

#: official prefix in ``net_model_state_dict`` -> our prefix (every key must match one)
NET_MAP = (('model.', 'backbone.vit.'), ('cluster1.', 'head.cluster1.'),
           ('cluster2.', 'head.cluster2.'), ('ema_model1.', 'head.ema.cluster1.'),
           ('ema_model2.', 'head.ema.cluster2.'))
PARTS = ('net_model_state_dict', 'linear_model_state_dict', 'cluster_model_state_dict')


def _strip(sd: dict) -> dict:
    return {k.removeprefix('module.'): v for k, v in sd.items()}   # (Distributed)DataParallel


def convert(official: dict) -> dict:
    """Our state dict from the official checkpoint dict. Raises ``KeyError`` naming a missing
    part or unmapped keys."""
    missing = [p for p in PARTS if p not in official]
    if missing:
        raise KeyError(f'not an official HP checkpoint: no {missing} (keys: '
                       f'{sorted(official)[:8]}); expected the file run.py saves '
                       '(net_model_state_dict, linear_model_state_dict, '
                       'cluster_model_state_dict)')
    ours, unmapped = {}, []
    for name, value in _strip(official['net_model_state_dict']).items():
        for old, new in NET_MAP:
            if name.startswith(old):
                ours[new + name[len(old):]] = value
                break
        else:
            unmapped.append(name)
    linear = _strip(official['linear_model_state_dict'])
    cluster = _strip(official['cluster_model_state_dict'])
    for name, value in linear.items():
        if name in ('weight', 'bias'):
            ours[f'linear_probe.{name}'] = value
        else:
            unmapped.append(f'linear_model.{name}')
    for name, value in cluster.items():
        if name == 'clusters':
            ours['cluster_probe.clusters'] = value
        else:
            unmapped.append(f'cluster_model.{name}')
    if unmapped:
        raise KeyError(f'official keys with no counterpart in hp: {unmapped[:10]}')
    if 'head.cluster1.0.weight' not in ours:
        raise KeyError('net_model_state_dict has no cluster1.0.weight (the segmentation head)')
    dim = ours['head.cluster1.0.weight'].shape[0]
    ours['proj.weight'] = torch.eye(dim)
    ours['proj.bias'] = torch.zeros(dim)
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (the projection head dropped), for tests and for running
    the official code on our checkpoints."""
    net, linear, cluster = {}, {}, {}
    for name, value in ours.items():
        if name.startswith('proj.'):
            continue
        if name.startswith('linear_probe.'):
            linear[name.removeprefix('linear_probe.')] = value
            continue
        if name.startswith('cluster_probe.'):
            cluster[name.removeprefix('cluster_probe.')] = value
            continue
        for old, new in NET_MAP[::-1]:      # head.ema.* before head.cluster*
            if name.startswith(new):
                net[old + name[len(new):]] = value
                break
        else:
            raise KeyError(f'{name} has no official counterpart')
    return dict(net_model_state_dict=net, linear_model_state_dict=linear,
                cluster_model_state_dict=cluster)
