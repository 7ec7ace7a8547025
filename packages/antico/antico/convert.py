"""Official AntiCo checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/antico_official_to_ours.py``, which loads through ``cvshared.checkpoint``).

The official network (``architectures/resnet50.py``, a ``pretrainedmodels`` ResNet-50 under
``model.``, whose ``last_linear`` is replaced by the embedding layer) has torchvision's parameter
names, as mmpretrain's ResNet does: ``model.conv1.* / bn1.* / layer*.*`` -> ``image_encoder.0.*``,
``model.last_linear.*`` -> ``image_encoder.1.embedding.*``. A checkpoint dict holding the weights
under ``state_dict`` is unwrapped. The official ``Network`` also registers ``model.layer1..4`` a
second time as ``layer_blocks.0..3`` (an ``nn.ModuleList`` of the same modules), so its
``state_dict()`` holds every residual-stage tensor twice: the ``layer_blocks.*`` copies are
checked to equal their ``model.layer*`` originals and dropped (found by
``tests/test_golden.py``'s whole forward; a state dict of the official network did not convert
before). The proxies live in the official criterion, not in the
network: pass ``proxies=`` (a ``(C, D)`` tensor) to convert them too (``head.proxies``).
BN-Inception checkpoints are refused (no mmpretrain BN-Inception to load them into).
"""
from __future__ import annotations


def convert(official: dict, proxies=None) -> dict:
    """Our state dict from the official one. Raises ``KeyError`` naming unmapped keys."""
    if 'state_dict' in official and isinstance(official['state_dict'], dict):
        official = official['state_dict']
    official = {k.removeprefix('module.'): v for k, v in official.items()}
    ours, unmapped = {}, []
    for name, value in official.items():
        if name.startswith('layer_blocks.'):
            stage, rest = name[len('layer_blocks.'):].split('.', 1)
            original = f'model.layer{int(stage) + 1}.{rest}'
            if original not in official or not _same(official[original], value):
                raise KeyError(f'{name}: the official network aliases it to {original}, which '
                               f'is {"missing" if original not in official else "different"}')
            continue
        if name.startswith('model.last_linear.'):
            ours['image_encoder.1.embedding.' + name[len('model.last_linear.'):]] = value
        elif name.startswith(('model.conv1.', 'model.bn1.', 'model.layer')):
            ours['image_encoder.0.' + name[len('model.'):]] = value
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'official keys with no counterpart in antico (only the ResNet models '
                       f'convert, not BN-Inception): {unmapped[:8]}'
                       f'{" ..." if len(unmapped) > 8 else ""}')
    if proxies is not None:
        ours['head.proxies'] = proxies
    return ours


def _same(a, b) -> bool:
    import torch
    return a.shape == b.shape and bool(torch.equal(a, b))


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` for the network (``head.*`` dropped), with the
    ``layer_blocks.*`` aliases, so that the official ``Network`` loads it strictly."""
    out = {}
    for name, value in ours.items():
        if name.startswith('image_encoder.1.embedding.'):
            out['model.last_linear.' + name[len('image_encoder.1.embedding.'):]] = value
        elif name.startswith('image_encoder.0.'):
            out['model.' + name[len('image_encoder.0.'):]] = value
        elif not name.startswith('head.'):
            raise KeyError(f'{name} has no official counterpart')
    for name in [n for n in out if n.startswith('model.layer')]:
        stage, rest = name[len('model.layer'):].split('.', 1)
        out[f'layer_blocks.{int(stage) - 1}.{rest}'] = out[name]
    return out
