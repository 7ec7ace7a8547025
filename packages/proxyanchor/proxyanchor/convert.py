"""Official Proxy Anchor checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI
is ``tools/model_converters/proxyanchor_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

The official ``code/train.py`` saves ``{'model_state_dict': model.state_dict()}`` of
``net/resnet.py::Resnet50`` (or Resnet18/34/101): a torchvision ResNet under ``model.``, its
unused ``model.fc`` and the embedding layer ``model.embedding``; the proxies (in the loss) are
not saved. Ours is the shared retriever: mmpretrain ResNet under ``image_encoder.0.`` and the
``EmbeddingNeck`` under ``image_encoder.1.``; mmpretrain's ResNet has torchvision's parameter
names (``conv1``, ``bn1``, ``layer1.0.downsample.1``, ...), so only the prefixes change. The
proxies of our head are not in an official checkpoint (they are only needed for training): load the
converted weights with ``head.proxies`` left at its initialisation.
BN-Inception checkpoints are refused (no mmpretrain BN-Inception to load them into).
"""
from __future__ import annotations

DROPPED = ('model.fc.',)          # torchvision's classifier, unused by the official model


def convert(official: dict) -> dict:
    """Our state dict from the official one (``model_state_dict`` or the checkpoint holding it).
    Raises ``KeyError`` naming unmapped keys."""
    if 'model_state_dict' in official:
        official = official['model_state_dict']
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')  # saved from DataParallel
        if name.startswith(DROPPED):
            continue
        if name.startswith('model.embedding.'):
            ours['image_encoder.1.' + name[len('model.'):]] = value
        elif name.startswith(('model.conv1.', 'model.bn1.', 'model.layer')):
            ours['image_encoder.0.' + name[len('model.'):]] = value
        else:
            unmapped.append(name)
    if unmapped:
        hint = (' (a BN-Inception checkpoint? only the ResNet models convert)'
                if any('inception' in n or n.startswith('model.conv1_7x7') for n in unmapped)
                else '')
        raise KeyError(f'official keys with no counterpart in proxyanchor{hint}: {unmapped[:8]}'
                       f'{" ..." if len(unmapped) > 8 else ""}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (without ``model.fc``; ``head.*`` has no counterpart and
    is dropped), for tests and for running the official code."""
    out = {}
    for name, value in ours.items():
        if name.startswith('image_encoder.1.'):
            out['model.' + name[len('image_encoder.1.'):]] = value
        elif name.startswith('image_encoder.0.'):
            out['model.' + name[len('image_encoder.0.'):]] = value
        elif not name.startswith('head.'):
            raise KeyError(f'{name} has no official counterpart')
    return out
