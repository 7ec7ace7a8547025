"""Official checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/peerlearning_official_to_ours.py SRC DST [--target ...]``, which loads
through ``cvshared.checkpoint``).

Official networks (``bcnn.py::BCNN``, ``resnet.py::ResNet50``, saved from ``nn.DataParallel``,
so every key starts with ``module.``):

* B-CNN: ``features.<i>.{weight,bias}`` at torchvision VGG-16's conv positions
  0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28, and ``fc.{weight,bias}`` (512^2 -> C);
* ResNet-50: ``features.0`` conv1, ``features.1`` bn1, ``features.4`` .. ``features.7``
  layer1 .. layer4 (torchvision names inside), ``fc``.

Ours: ``PeerLearning`` with ``net1`` / ``net2`` mmpretrain ``ImageClassifier``s: mmpretrain ``VGG``
(``backbone.features.<j>.conv.*``, j = 0, 1, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15, 16) or ``ResNet``
(torchvision names), and ``head.fc``. A released model (``plm_<data>_<net>_best-epoch_<acc>.pth``)
is ONE trained peer: ``target='peer'`` loads it into both peers (``net1`` and ``net2``); the
official resume file ``checkpoint.pth`` (``cot1_state_dict`` / ``cot2_state_dict``) gives each
peer its own. ``target='backbone'`` turns torchvision ImageNet weights (``vgg16`` /
``resnet50``, the official initialisation) into an mmpretrain backbone checkpoint
(``backbone.*``; the paper configs read it with ``init_cfg=dict(type='Pretrained',
prefix='backbone.')``).
"""
from __future__ import annotations

import re

VGG16_CONVS = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)   # torchvision / official
MMPRETRAIN_CONVS = (0, 1, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15, 16)  # mmpretrain VGG(16)
_TV_TO_MM = dict(zip(VGG16_CONVS, MMPRETRAIN_CONVS))
_MM_TO_TV = dict(zip(MMPRETRAIN_CONVS, VGG16_CONVS))
_RESNET_SEQ = {'0': 'conv1', '1': 'bn1', '4': 'layer1', '5': 'layer2', '6': 'layer3',
               '7': 'layer4'}
_RESNET_SEQ_INV = {v: k for k, v in _RESNET_SEQ.items()}
TARGETS = ('peer', 'backbone')


def add_arguments(parser) -> None:
    parser.add_argument('--target', choices=TARGETS, default='peer',
                        help="'peer': an official peer-learning model -> our PeerLearning "
                             "(both peers); 'backbone': torchvision ImageNet vgg16 / resnet50 "
                             '-> an mmpretrain backbone checkpoint')


def _is_vgg(keys) -> bool:
    return any(re.match(r'features\.28\.weight$', k) for k in keys)


def network_to_ours(official: dict) -> dict:
    """One official network (B-CNN or ResNet-50, ``module.`` prefix optional) -> the keys of
    one of our ``ImageClassifier`` peers. ``KeyError`` names the keys with no counterpart."""
    state = {k.removeprefix('module.'): v for k, v in official.items()}
    vgg, ours, unmapped = _is_vgg(state), {}, []
    for name, value in state.items():
        parts = name.split('.')
        if parts[0] == 'fc':
            ours['head.fc.' + '.'.join(parts[1:])] = value
        elif parts[0] == 'features' and vgg and len(parts) == 3 and int(parts[1]) in _TV_TO_MM:
            ours[f'backbone.features.{_TV_TO_MM[int(parts[1])]}.conv.{parts[2]}'] = value
        elif parts[0] == 'features' and not vgg and parts[1] in _RESNET_SEQ:
            ours['.'.join(['backbone', _RESNET_SEQ[parts[1]]] + parts[2:])] = value
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'official keys with no counterpart in peerlearning: {unmapped[:8]}')
    return ours


def network_to_official(ours: dict) -> dict:
    """The inverse of :func:`network_to_ours` (keys of one peer, without ``net1.``)."""
    out = {}
    for name, value in ours.items():
        parts = name.split('.')
        if parts[:2] == ['head', 'fc']:
            out['fc.' + '.'.join(parts[2:])] = value
        elif parts[:2] == ['backbone', 'features'] and parts[3] == 'conv':
            out[f'features.{_MM_TO_TV[int(parts[2])]}.{parts[4]}'] = value
        elif parts[0] == 'backbone' and parts[1] in _RESNET_SEQ_INV:
            out['.'.join(['features', _RESNET_SEQ_INV[parts[1]]] + parts[2:])] = value
        else:
            raise KeyError(f'{name} has no official counterpart')
    return out


def torchvision_to_backbone(state: dict) -> dict:
    """torchvision ImageNet ``vgg16`` / ``resnet50`` weights -> ``backbone.*`` of mmpretrain
    ``VGG(16)`` / ``ResNet(50)`` (the ImageNet classifier, ``classifier.*`` / ``fc.*``, is
    dropped: the paper replaces it)."""
    state = {k.removeprefix('module.'): v for k, v in state.items()}
    if _is_vgg(state):
        kept = {k: v for k, v in state.items() if k.startswith('features.')}
        return network_to_ours(kept)
    out, unmapped = {}, []
    for name, value in state.items():
        if name.startswith('fc.'):
            continue
        if name.split('.')[0] in _RESNET_SEQ_INV:
            out['backbone.' + name] = value
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'torchvision keys that are neither VGG-16 nor ResNet-50: {unmapped[:8]}')
    return out


def convert(official: dict, target: str = 'peer') -> dict:
    """Our state dict from an official checkpoint (see the module docstring)."""
    if target not in TARGETS:
        raise ValueError(f'target must be one of {TARGETS}, got {target!r}')
    if target == 'backbone':
        return torchvision_to_backbone(official.get('state_dict', official))
    if 'cot1_state_dict' in official and 'cot2_state_dict' in official:
        pairs = (('net1.', official['cot1_state_dict']), ('net2.', official['cot2_state_dict']))
    else:
        pairs = (('net1.', official), ('net2.', official))
    return {prefix + k: v for prefix, net in pairs for k, v in network_to_ours(net).items()}


def to_official(ours: dict, peer: str = 'net1') -> dict:
    """One peer of our state dict as an official network state dict (``module.`` keys, as
    ``main.py`` saves it)."""
    net = {k[len(peer) + 1:]: v for k, v in ours.items() if k.startswith(peer + '.')}
    if not net:
        raise KeyError(f'no key of peer {peer!r} in the state dict')
    return {'module.' + k: v for k, v in network_to_official(net).items()}
