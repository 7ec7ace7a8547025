"""Official checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI is
``tools/model_converters/hcpn_official_to_ours.py``, which loads through
``cvshared.checkpoint``).

The official training script saves the encoder (``EncoderNet``) and the decoder
(``DecoderNet``) separately; :func:`convert` takes either one, both merged (with the
``encoder.`` / ``decoder.`` prefixes our model uses, or without them: the two key sets are
disjoint), or a ``dict(encoder=..., decoder=...)``. ``module.`` prefixes of (Distributed)
DataParallel are removed.

Keys of official modules that the official forward never uses (``pca_res2``, ``cca_res2``,
``pred3`` / ``pred4`` / ``pred5``) are dropped by name (:data:`UNUSED`); every other key must
map, or :func:`convert` raises ``KeyError`` naming it. The mmseg ResNet of each stream has the
torchvision key names (``conv1``, ``bn1``, ``layer1.0.downsample.0`` ...), so a stream maps by
prefix only; ImageNet weights of ``torchvision://resnet101`` convert with
:func:`convert_torchvision_resnet`.
"""
from __future__ import annotations

import re

from cvshared.vos import ParallelCoAttention

#: official modules never used by the official forward (dropped): the stage-2 PCM / CCM, the
#: side heads and each Refine's first conv (``Refine(keep_unused=False)`` does not build it)
UNUSED = ('pca_res2.', 'cca_res2.', 'pred3.', 'pred4.', 'pred5.', 'RF2.convFS1.', 'RF3.convFS1.',
          'RF4.convFS1.')

_STREAMS = {'1': 'image1', '2': 'image2', '3': 'flow'}
_STAGES = {'2': 'layer1', '3': 'layer2', '4': 'layer3', '5': 'layer4'}

# official -> ours inside the shared blocks (identical names where not listed: GCT, GC,
# Refine / PDC, MotionContour = MotionRef)
_PCM_INNER = tuple(ParallelCoAttention.OFFICIAL_RENAMES.items())  # c_f1. -> sa.c_f1. ...
_CCM_INNER = (('faf.', 'iaff.'),)  # CrossCoAttention.gct / .faf -> Readout.gct / .iaff
_REFINE_INNER = ()
_GC_INNER = ()
_MOTION_INNER = ()


def _rename_inner(rest: str, table) -> str:
    for old, new in table:
        if rest.startswith(old):
            return new + rest[len(old):]
    return rest


def _encoder_key(name: str) -> str | None:
    m = re.match(r'(conv1|bn1)_([123])\.(.*)$', name)
    if m:
        return f'encoder.{_STREAMS[m[2]]}.{m[1]}.{m[3]}'
    m = re.match(r'res([2-5])_([123])\.(.*)$', name)
    if m:
        return f'encoder.{_STREAMS[m[2]]}.{_STAGES[m[1]]}.{m[3]}'
    m = re.match(r'gated_res([2-5])\.(.*)$', name)
    if m:
        return f'encoder.gac.{m[1]}.{m[2]}'
    m = re.match(r'pca_res([3-5])\.(.*)$', name)
    if m:
        return f'encoder.pcm.{m[1]}.{_rename_inner(m[2], _PCM_INNER)}'
    m = re.match(r'cca_res([3-5])\.(.*)$', name)
    if m:
        return f'encoder.ccm.{m[1]}.{_rename_inner(m[2], _CCM_INNER)}'
    return None


def _decoder_key(name: str) -> str | None:
    m = re.match(r'GC\.(.*)$', name)
    if m:
        return f'decoder.gc.{_rename_inner(m[1], _GC_INNER)}'
    m = re.match(r'convG([12])\.(.*)$', name)
    if m:
        return f'decoder.gc_res.conv{m[1]}.{m[2]}'
    m = re.match(r'RF([2-4])\.(.*)$', name)
    if m:
        return f'decoder.refine.{m[1]}.{_rename_inner(m[2], _REFINE_INNER)}'
    m = re.match(r'bdry([2-5])\.(.*)$', name)
    if m:
        return f'decoder.contour.{m[1]}.{_rename_inner(m[2], _MOTION_INNER)}'
    m = re.match(r'pred2\.(.*)$', name)
    if m:
        return f'decoder.pred.{m[1]}'
    m = re.match(r'concat\.(.*)$', name)
    if m:
        return f'decoder.contour_fuse.{m[1]}'
    return None


def _flatten(official: dict) -> dict:
    if set(official) <= {'encoder', 'decoder'} and all(isinstance(v, dict)
                                                      for v in official.values()):
        return {k: v for part in official.values() for k, v in part.items()}
    return official


def add_arguments(parser) -> None:
    """Options of ``tools/model_converters/hcpn_official_to_ours.py`` (passed to
    :func:`convert` by name)."""
    parser.add_argument('--decoder', default=None,
                        help='the official decoder_<epoch>.pt (SRC is then encoder_<epoch>.pt)')
    parser.add_argument('--torchvision', action='store_true',
                        help='SRC is a torchvision ResNet ImageNet state dict: write the '
                             'weights of one stream (for the backbone init_cfg)')


def convert(official: dict, decoder=None, torchvision: bool = False) -> dict:
    """Our state dict from the official one. Raises ``KeyError`` naming unmapped keys.

    Args:
        official: official encoder and / or decoder state dict (see the module docstring).
        decoder: the official decoder state dict, or its path (read with
            ``cvshared.checkpoint.load_checkpoint_file``: the one file access, for the
            command line, where the two official files are given separately).
        torchvision: ``official`` is a torchvision ResNet: :func:`convert_torchvision_resnet`.
    """
    if torchvision:
        return convert_torchvision_resnet(official)
    if decoder is not None:
        if isinstance(decoder, str):
            from cvshared.checkpoint import load_checkpoint_file
            decoder = load_checkpoint_file(decoder)
        official = {**_flatten(official), **_flatten(decoder)}
    ours, unmapped = {}, []
    for name, value in _flatten(official).items():
        name = name.removeprefix('module.')
        for part in ('encoder.', 'decoder.'):
            name = name.removeprefix(part)
        if name.startswith(UNUSED):
            continue
        new = _encoder_key(name) or _decoder_key(name)
        if new is None:
            unmapped.append(name)
        else:
            ours[new] = value
    if unmapped:
        raise KeyError(f'official keys with no counterpart in hcpn: {unmapped}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` for every key it maps (``dict(encoder=..., decoder=...)``
    as the official script saves them; the unused official modules are not recreated, so load
    into the official model with ``strict=False``, or fill them from a fresh model)."""
    inverse = {}
    for name in _official_names(ours):
        inverse[convert({name: None}).popitem()[0]] = name
    out = {'encoder': {}, 'decoder': {}}
    for name, value in ours.items():
        if name not in inverse:
            raise KeyError(f'{name} has no official counterpart')
        off = inverse[name]
        out['encoder' if name.startswith('encoder.') else 'decoder'][off] = value
    return out


def _official_names(ours: dict):
    """Candidate official names of our keys (by inverting the prefix tables)."""
    rev_streams = {v: k for k, v in _STREAMS.items()}
    rev_stages = {v: k for k, v in _STAGES.items()}

    def unrename(rest, table):
        for old, new in table:
            if rest.startswith(new):
                return old + rest[len(new):]
        return rest

    for name in ours:
        parts = name.split('.')
        if parts[0] == 'encoder':
            head = parts[1]
            if head in rev_streams:
                s = rev_streams[head]
                sub, tail = parts[2], '.'.join(parts[3:])
                if sub in ('conv1', 'bn1'):
                    yield f'{sub}_{s}.{tail}'
                elif sub in rev_stages:
                    yield f'res{rev_stages[sub]}_{s}.{tail}'
            elif head == 'gac':
                yield f'gated_res{parts[2]}.{".".join(parts[3:])}'
            elif head == 'pcm':
                yield f'pca_res{parts[2]}.{unrename(".".join(parts[3:]), _PCM_INNER)}'
            elif head == 'ccm':
                yield f'cca_res{parts[2]}.{unrename(".".join(parts[3:]), _CCM_INNER)}'
        elif parts[0] == 'decoder':
            head, tail = parts[1], '.'.join(parts[2:])
            if head == 'gc':
                yield f'GC.{unrename(tail, _GC_INNER)}'
            elif head == 'gc_res':
                yield f'convG{parts[2][-1]}.{".".join(parts[3:])}'
            elif head == 'refine':
                yield f'RF{parts[2]}.{unrename(".".join(parts[3:]), _REFINE_INNER)}'
            elif head == 'contour':
                yield f'bdry{parts[2]}.{unrename(".".join(parts[3:]), _MOTION_INNER)}'
            elif head == 'pred':
                yield f'pred2.{tail}'
            elif head == 'contour_fuse':
                yield f'concat.{tail}'


def convert_torchvision_resnet(state: dict) -> dict:
    """torchvision ResNet (ImageNet) -> the mmseg ``ResNet`` of one stream: the same names,
    the classifier ``fc.*`` dropped (load with ``init_cfg=dict(type='Pretrained', ...)`` on
    ``model.encoder.backbone``, which applies it to all three streams)."""
    return {k: v for k, v in state.items() if not k.startswith('fc.')}
