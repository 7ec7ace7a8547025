"""Official MSFlow checkpoints (cool-xuan/msflow) <-> this package's ``MSFlow`` state dict.

Pure functions on dicts, no file I/O (the command line is
``tools/model_converters/msflow_official_to_ours.py SRC DST``, on
``cvshared.checkpoint.converter_main``).

The official ``save_weights`` writes ``{'epoch', 'fusion_flow': GraphINN state dict,
'parallel_flows': [SequenceINN state dict per scale], 'optimizer'?}``. :func:`convert` renames
the weights to our module names:

* parallel flows: ``parallel_flows[k]['module_list.i.subnet.{conv1,ln,conv2}']`` ->
  ``parallel_flows.k.module_list.i.subnet.{conv_in,norm,conv_out}``; the AllInOneBlock buffers
  ``w_perm`` / ``w_perm_inv`` (its random hard permutations), ``global_scale`` and
  ``global_offset`` keep their names.
* fusion flow: the ``PermuteRandom`` permutations (``perm`` / ``perm_inv``) sit in the
  GraphINN's ``module_list`` in graph-sort order, not in scale order, so they are matched to
  scales by their length (the channel count of each scale, which must therefore differ
  between scales); the coupling's ``subnet_2`` (computed from the second halves b_k) becomes
  ``fusion_flow.coupling.net_b2a`` and ``subnet_1`` becomes ``net_a2b``; inside them
  ``cross_convs.{conv1,norm,conv2}`` -> ``{mix_in,norm,mix_out}`` and ``conv_s`` / ``conv_t`` ->
  ``scale_heads`` / ``shift_heads``.

The frozen extractor is not part of an official checkpoint (the official code loads
torchvision's ImageNet weights at start-up). The converted checkpoint therefore holds the flows
only, and it loads with ``strict=True`` (``tools/test.py``) into a model whose extractor was
initialised from the config's ``backbone.checkpoint`` file (see ``msflow.models.MSFlow``).
For a self-contained checkpoint, :func:`bake_extractor` adds the extractor weights
(``backbone.net.*``) from a torchvision / timm state dict.
"""

from __future__ import annotations

import re

_SUBNET = {'conv1': 'conv_in', 'ln': 'norm', 'conv2': 'conv_out'}
_FUSION = {'cross_convs.conv1': 'mix_in', 'cross_convs.norm': 'norm',
           'cross_convs.conv2': 'mix_out', 'conv_s': 'scale_heads', 'conv_t': 'shift_heads'}
_COUPLING = {'subnet_2': 'net_b2a', 'subnet_1': 'net_a2b'}


def _rename(name: str, table: dict) -> str:
    for old, new in table.items():
        if name == old or name.startswith(old + '.'):
            return new + name[len(old):]
    raise KeyError(f'unexpected official weight name {name!r}')


def convert(official: dict) -> dict:
    """Official checkpoint dict -> our ``MSFlow`` state dict (flows only)."""
    if 'fusion_flow' not in official or 'parallel_flows' not in official:
        raise KeyError('not an official MSFlow checkpoint: expected the keys fusion_flow and '
                       f'parallel_flows, found {sorted(official)}')
    ours = {}
    channels = []
    for k, flow in enumerate(official['parallel_flows']):
        for key, value in flow.items():
            m = re.fullmatch(r'(module_list\.\d+\.)(subnet\.)?(.+)', key)
            if m is None:
                raise KeyError(f'unexpected parallel-flow weight {key!r}')
            rest = _rename(m.group(3), _SUBNET) if m.group(2) else m.group(3)
            ours[f'parallel_flows.{k}.{m.group(1)}{m.group(2) or ""}{rest}'] = value
        channels.append(flow['module_list.0.global_scale'].shape[1])
    if len(set(channels)) != len(channels):
        raise ValueError(f'scales with equal channel counts {channels}: the fusion permutations '
                         'cannot be matched to scales by length')
    for key, value in official['fusion_flow'].items():
        m = re.fullmatch(r'module_list\.\d+\.(perm|perm_inv)', key)
        if m:
            ours[f'fusion_flow.permutations.{channels.index(value.shape[0])}.{m.group(1)}'] = value
            continue
        m = re.fullmatch(r'module_list\.\d+\.(subnet_[12])\.(.+)', key)
        if m is None:
            raise KeyError(f'unexpected fusion-flow weight {key!r}')
        ours[f'fusion_flow.coupling.{_COUPLING[m.group(1)]}.{_rename(m.group(2), _FUSION)}'] = value
    return ours


def to_official(ours: dict, fusion_order: list[int] | None = None,
                coupling_index: int | None = None) -> dict:
    """Inverse of :func:`convert` (for tests and for running our weights in the official code).

    ``fusion_order[i]`` is the scale whose permutation sits at the official GraphINN's
    ``module_list.i``; ``coupling_index`` the index of the coupling (default: after them).
    """
    inv_sub = {v: k for k, v in _SUBNET.items()}
    inv_fus = {v: k for k, v in _FUSION.items()}
    inv_cpl = {v: k for k, v in _COUPLING.items()}
    n = 1 + max(int(k.split('.')[1]) for k in ours if k.startswith('parallel_flows.'))
    order = fusion_order or list(range(n))
    coupling_index = len(order) if coupling_index is None else coupling_index
    out = {'fusion_flow': {}, 'parallel_flows': [{} for _ in range(n)]}
    for key, value in ours.items():
        if key.startswith('parallel_flows.'):
            _, k, rest = key.split('.', 2)
            m = re.fullmatch(r'(module_list\.\d+\.)(subnet\.)?(.+)', rest)
            tail = _rename(m.group(3), inv_sub) if m.group(2) else m.group(3)
            out['parallel_flows'][int(k)][f'{m.group(1)}{m.group(2) or ""}{tail}'] = value
        elif key.startswith('fusion_flow.permutations.'):
            _, _, k, name = key.split('.')
            out['fusion_flow'][f'module_list.{order.index(int(k))}.{name}'] = value
        elif key.startswith('fusion_flow.coupling.'):
            _, _, net, rest = key.split('.', 3)
            out['fusion_flow'][f'module_list.{coupling_index}.{inv_cpl[net]}.'
                               f'{_rename(rest, inv_fus)}'] = value
    return out


def bake_extractor(state: dict, extractor: dict, expected: dict | None = None) -> dict:
    """``state`` plus the extractor weights ``backbone.net.<name>`` from ``extractor``.

    ``extractor`` is a torchvision or timm ResNet state dict (the same names; ``fc.*`` /
    ``layer4.*`` beyond stage 3 are dropped when ``expected`` -- our model's state dict or its
    ``backbone.net`` keys -- is given, otherwise every key is kept).
    """
    extractor = {k.removeprefix('module.'): v for k, v in extractor.items()}
    if expected is not None:
        names = {k.removeprefix('backbone.net.') for k in expected}
        missing = sorted(n for n in names if n not in extractor and '.' in n)
        if missing:
            raise KeyError(f'the extractor weights lack {len(missing)} tensors, e.g. '
                           f'{missing[:3]}; give the ImageNet weights of the configured model')
        extractor = {k: v for k, v in extractor.items() if k in names}
    out = dict(state)
    out.update({f'backbone.net.{k}': v for k, v in extractor.items()})
    return out
