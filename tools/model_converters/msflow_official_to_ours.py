"""Convert an official MSFlow checkpoint (cool-xuan/msflow) to this repository's ``MSFlow``.

The official ``save_weights`` writes ``{'epoch', 'fusion_flow': GraphINN state dict,
'parallel_flows': [SequenceINN state dict per scale], 'optimizer'?}``. This tool renames the
weights to our module names and writes an mmengine checkpoint (``{'state_dict', 'meta'}``)
for ``load_from`` / ``tools/test.py``:

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

The frozen extractor is not part of the official checkpoint: it comes from the config's
``backbone.checkpoint`` (torchvision ImageNet weights), so the converted checkpoint holds only
the flows and loads with ``strict=False`` semantics for ``backbone.*``.

Usage: ``python tools/model_converters/msflow_official_to_ours.py OFFICIAL.pt OURS.pth``
"""
from __future__ import annotations

import argparse
import re

import torch

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official checkpoint (save_weights output)')
    parser.add_argument('dst', help='output mmengine checkpoint')
    args = parser.parse_args()
    official = torch.load(args.src, map_location='cpu', weights_only=True)
    state = convert(official)
    torch.save({'state_dict': state,
                'meta': {'converted_from': args.src, 'epoch': official.get('epoch')}}, args.dst)
    print(f'wrote {len(state)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
