"""Official HGPU checkpoint <-> ours: pure functions on state dicts.

The official training script saves the encoder and the decoder separately
(``model/HGPU/encoder_<miou>.pt`` and ``decoder_<miou>.pt``, from DDP, so with ``module.``
prefixes). Their key sets are disjoint, so :func:`convert` takes either one or both merged;
``tools/model_converters/hgpu_official_to_ours.py ENCODER.pt OURS.pth --decoder DECODER.pt``
merges the two (the only file read here, through :func:`cvshared.checkpoint.load_checkpoint_file`).

Official keys that no computation uses:

* ``pca_res2.*`` (a MessageAgg built for stage 2, which has no message passing) and
  ``pred3.*`` / ``pred4.*`` / ``pred5.*`` (side predictors never called) have no counterpart
  here: :func:`convert` drops them (listed in :data:`UNUSED`); :func:`to_official` writes them
  back as zeros of their official shapes when given ``official_shapes``, so that the official
  ``EncoderNet`` / ``DecoderNet`` load the result strictly.
* ``cca_res{l}.gaf.global_att2.*`` (iAFF's second global branch; the code reuses the first),
  ``RF{l}.convFS1.*`` and ``RF{l}.pdc.block2.*`` / ``block3.*`` (the rate-12 / rate-18 branches;
  the rate-6 one is applied three times) exist in the shared blocks (``IAFF``, ``Refine``,
  ``PDC``) and are converted; our modules freeze them (``requires_grad=False``) while the
  official quirks are on, so distributed training needs no ``find_unused_parameters``.
"""
from __future__ import annotations

import re

#: official key patterns no computation uses (dropped by :func:`convert`)
UNUSED = (r'pca_res2\..*', r'pred[345]\..*')
_UNUSED = re.compile('^(' + '|'.join(UNUSED) + ')$')

# Names inside the shared blocks (cvshared.vos); official sub-name -> ours.
_GCT = {'alpha': 'alpha', 'gamma': 'gamma', 'beta': 'beta'}
_MESSAGE = {'c_f1': 'sa.c_f1', 'c_f2': 'sa.c_f2', 'p_f1': 'ca.p_f1', 'p_f2': 'ca.p_f2'}
_IAFF = {'local_att': 'local_att', 'global_att': 'global_att', 'local_att2': 'local_att2',
         'global_att2': 'global_att2'}
_RES = {'convG1': 'conv1', 'convG2': 'conv2'}
_RESNET = {'conv1': 'conv1', 'bn1': 'bn1', 'res2': 'layer1', 'res3': 'layer2',
           'res4': 'layer3', 'res5': 'layer4'}


def _rules():
    """(official regex, function(match) -> our key) in matching order."""
    rules = [
        # three ResNet streams: conv1_1 / bn1_2 / res3_3.0.conv1.weight ...
        (r'(conv1|bn1|res[2-5])_([123])\.(.+)',
         lambda m: f'backbone.streams.{int(m[2]) - 1}.{_RESNET[m[1]]}.{m[3]}'),
        (r'CG([345])\.(reset_gate|update_gate|out_gate)\.(weight|bias)',
         lambda m: f'backbone.gru{m[1]}.{m[2]}.{m[3]}'),
        (r'gac_([2-5])\.(alpha|gamma|beta)',
         lambda m: f'backbone.gct{m[1]}.{_GCT[m[2]]}'),
        (r'pca_res([345])\.(c_f1|c_f2|p_f1|p_f2)\.(weight|bias)',
         lambda m: f'backbone.message{m[1]}.{_MESSAGE[m[2]]}.{m[3]}'),
        (r'cca_res([2-5])\.gac\.(alpha|gamma|beta)',
         lambda m: f'backbone.readout{m[1]}.gct.{_GCT[m[2]]}'),
        (r'cca_res([2-5])\.gaf\.(local_att2|global_att2|local_att|global_att)\.(.+)',
         lambda m: f'backbone.readout{m[1]}.iaff.{_IAFF[m[2]]}.{m[3]}'),
        # the shared decoder blocks keep the official sub-names
        (r'GC\.(conv_[lr][12]\.(weight|bias))', lambda m: f'decode_head.gc.{m[1]}'),
        (r'(convG[12])\.(weight|bias)', lambda m: f'decode_head.gc_res.{_RES[m[1]]}.{m[2]}'),
        (r'RF([2-4])\.((convFS[123]|convMM[12]|pdc\.block[0-3]|pdc\.bn)\..+)',
         lambda m: f'decode_head.refine{m[1]}.{m[2]}'),
        (r'pred2\.(weight|bias)', lambda m: f'decode_head.pred.{m[1]}'),
        (r'concat\.(weight|bias)', lambda m: f'decode_head.fuse_motion.{m[1]}'),
        (r'ctr([2-5])\.((bn1|conv1|bn2|conv2|conv3)\..+)',
         lambda m: f'decode_head.motion_refs.{int(m[1]) - 2}.{m[2]}'),
    ]
    return [(re.compile('^' + p + '$'), f) for p, f in rules]


RULES = _rules()
_ENCODER_MARK = 'conv1_1.weight'
_DECODER_MARK = 'concat.weight'


def official_to_ours_key(name: str) -> str | None:
    """Our key of an official key; ``None`` for a key of :data:`UNUSED`."""
    if _UNUSED.match(name):
        return None
    for pattern, fn in RULES:
        m = pattern.match(name)
        if m:
            return fn(m)
    raise KeyError(name)


def convert(official: dict, decoder: str | dict | None = None,
            allow_partial: bool = False) -> dict:
    """Our state dict from an official one.

    Args:
        official: the official encoder state dict, the decoder's, or both merged (``module.``
            prefixes of DDP are stripped).
        decoder: the decoder checkpoint (a path, read with ``load_checkpoint_file``, or its
            state dict) when ``official`` is the encoder's.
        allow_partial: accept an encoder without decoder (or the reverse); otherwise that is
            an error naming the missing file.

    Raises ``KeyError`` naming official keys with no counterpart here.
    """
    merged = {k.removeprefix('module.'): v for k, v in official.items()}
    if decoder is not None:
        if isinstance(decoder, str):
            from cvshared.checkpoint import load_checkpoint_file
            decoder = load_checkpoint_file(decoder)
        merged.update({k.removeprefix('module.'): v for k, v in decoder.items()})
    if not allow_partial:
        if _ENCODER_MARK in merged and _DECODER_MARK not in merged:
            raise ValueError('this is the official ENCODER checkpoint (encoder_<miou>.pt) '
                             'only: pass its decoder_<miou>.pt too (--decoder DECODER.pt)')
        if _DECODER_MARK in merged and _ENCODER_MARK not in merged:
            raise ValueError('this is the official DECODER checkpoint (decoder_<miou>.pt) '
                             'only: convert encoder_<miou>.pt with --decoder DECODER.pt')
    ours, unmapped = {}, []
    for name, value in merged.items():
        try:
            key = official_to_ours_key(name)
        except KeyError:
            unmapped.append(name)
            continue
        if key is not None:
            ours[key] = value
    if unmapped:
        raise KeyError(f'official keys with no counterpart in hgpu: {unmapped[:10]}'
                       f'{" ..." if len(unmapped) > 10 else ""} ({len(unmapped)} keys): '
                       'is this an HGPU EncoderNet / DecoderNet checkpoint?')
    return ours


def add_arguments(parser) -> None:
    """Options of ``tools/model_converters/hgpu_official_to_ours.py``."""
    parser.add_argument('--decoder', default=None,
                        help='the official decoder_<miou>.pt (SRC is encoder_<miou>.pt)')


def to_official(ours: dict, official_shapes: dict | None = None) -> dict:
    """The inverse of :func:`convert`; with ``official_shapes`` (``{key: shape}`` of the
    official modules) the unused official keys are added as zeros, so that the official
    ``EncoderNet`` / ``DecoderNet`` load the result strictly."""
    import torch
    inverse = {}
    keys = official_shapes or {}
    for name in keys:
        if not _UNUSED.match(name):
            inverse[official_to_ours_key(name)] = name
    out = {}
    for name, value in ours.items():
        if name not in inverse:
            if official_shapes is not None:
                raise KeyError(f'{name} has no official counterpart')
            raise KeyError(f'{name}: pass official_shapes to invert the key mapping')
        out[inverse[name]] = value
    for name, shape in keys.items():
        if _UNUSED.match(name):
            dtype = torch.long if name.endswith('num_batches_tracked') else torch.float32
            out[name] = torch.zeros(shape, dtype=dtype)
    return out
