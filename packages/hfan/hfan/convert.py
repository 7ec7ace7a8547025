"""Key conversion from the official HFAN checkpoints (mmseg 0.11 + SegFormer MiT) to ours.

Official layout (``EncoderDecoder`` > ``HFANVOS`` > SegFormer ``mit_b*``)::

    backbone.backbone.patch_embed{i}.proj|norm.*      stage i patch embedding
    backbone.backbone.block{i}.{j}.norm1|norm2.*       block j of stage i
    backbone.backbone.block{i}.{j}.attn.q|kv|proj|sr|norm.*
    backbone.backbone.block{i}.{j}.mlp.fc1|dwconv.dwconv|fc2.*   (fc as nn.Linear)
    backbone.backbone.norm{i}.*                        stage-end LayerNorm
    decode_head.*                                      head (same names as ours)

Ours (``EncoderDecoder`` > :class:`FrameFlowBackbone` > mmseg ``MixVisionTransformer``)::

    backbone.backbone.layers.{i-1}.0.projection|norm.*
    backbone.backbone.layers.{i-1}.1.{j}.norm1|norm2.*
    backbone.backbone.layers.{i-1}.1.{j}.attn.attn.in_proj_weight = cat(q, kv)
    backbone.backbone.layers.{i-1}.1.{j}.attn.attn.out_proj.*, attn.sr.*, attn.norm.*
    backbone.backbone.layers.{i-1}.1.{j}.ffn.layers.0|1|4.*  (fc as 1x1 conv)
    backbone.backbone.layers.{i-1}.2.*
    decode_head.*  minus the unused ``conv_seg``

A bare SegFormer ImageNet checkpoint (``mit_b1.pth``, keys without prefix) converts with
``prefix=''`` to the keys of a plain ``MixVisionTransformer`` (for ``init_cfg`` Pretrained);
:func:`convert` recognises it by its keys (no ``backbone.`` / ``decode_head.`` key).
"""
from __future__ import annotations

import re
from collections import OrderedDict

import torch

_MIT_KEY = re.compile(r'^(patch_embed|block|norm)(\d+)\.(.*)$')


def convert_mit_key(key: str, value: torch.Tensor, q_cache: dict) -> list[tuple[str, torch.Tensor]]:
    """Convert one SegFormer MiT key (no prefix). Returns [] while waiting for q/kv pairs."""
    m = _MIT_KEY.match(key)
    if m is None:
        if key.startswith('head.'):  # SegFormer's ImageNet classifier: not part of the encoder
            return []
        raise KeyError(f'unexpected MiT key {key!r}')
    kind, stage, rest = m.group(1), int(m.group(2)) - 1, m.group(3)
    if kind == 'patch_embed':
        rest = rest.replace('proj.', 'projection.')
        return [(f'layers.{stage}.0.{rest}', value)]
    if kind == 'norm':
        return [(f'layers.{stage}.2.{rest}', value)]
    block, rest = rest.split('.', 1)
    out = f'layers.{stage}.1.{block}.'
    if rest.startswith(('attn.q.', 'attn.kv.')):
        which, suffix = rest.split('.')[1], rest.split('.')[2]  # q|kv, weight|bias
        slot = q_cache.setdefault(out + suffix, {})
        slot[which] = value
        if len(slot) < 2:
            return []
        name = 'in_proj_weight' if suffix == 'weight' else 'in_proj_bias'
        del q_cache[out + suffix]
        return [(out + f'attn.attn.{name}', torch.cat([slot['q'], slot['kv']], dim=0))]
    if rest.startswith('attn.proj.'):
        return [(out + rest.replace('attn.proj.', 'attn.attn.out_proj.'), value)]
    if rest.startswith(('attn.sr.', 'attn.norm.', 'norm1.', 'norm2.')):
        return [(out + rest, value)]
    if rest.startswith('mlp.'):
        layer, suffix = rest[len('mlp.'):].rsplit('.', 1)
        index = {'fc1': 0, 'dwconv.dwconv': 1, 'fc2': 4}[layer]
        if layer in ('fc1', 'fc2') and suffix == 'weight':
            value = value.reshape(*value.shape, 1, 1)
        return [(out + f'ffn.layers.{index}.{suffix}', value)]
    raise KeyError(f'unexpected MiT key {key!r}')


def convert_state_dict(state_dict: dict, prefix: str = 'backbone.backbone.') -> OrderedDict:
    """Convert an official HFAN (or bare SegFormer MiT, ``prefix=''``) state dict to ours."""
    if 'state_dict' in state_dict:
        state_dict = state_dict['state_dict']
    out, q_cache = OrderedDict(), {}
    for key, value in state_dict.items():
        if key.startswith('decode_head.conv_seg.'):
            continue  # unused by the official head; our head does not create it
        if key.startswith(prefix) and (prefix or not key.startswith('decode_head.')):
            for new_key, new_value in convert_mit_key(key[len(prefix):], value, q_cache):
                out[prefix + new_key] = new_value
        elif key.startswith('decode_head.'):
            out[key] = value
        else:
            raise KeyError(f'unexpected key {key!r} in the official checkpoint; is it an HFAN '
                           'checkpoint (backbone.backbone.* / decode_head.*)?')
    if q_cache:
        raise KeyError(f'unpaired attention q/kv keys: {sorted(q_cache)}')
    return out


def is_bare_mit(state_dict: dict) -> bool:
    """True for a SegFormer ImageNet MiT checkpoint (``patch_embed1.*``, ``block1.*``, ...)."""
    keys = list(state_dict.get('state_dict', state_dict))
    return bool(keys) and not any(k.startswith(('backbone.', 'decode_head.')) for k in keys) \
        and any(k.startswith('patch_embed1.') for k in keys)


def convert(official: dict) -> OrderedDict:
    """Official HFAN checkpoint (or a bare SegFormer ``mit_b*.pth``) -> our state dict.

    A whole HFAN checkpoint gives the keys of our ``EncoderDecoder`` (``load_from``); a bare
    MiT checkpoint gives the keys of a plain ``MixVisionTransformer`` (the configs'
    ``init_cfg=dict(type='Pretrained', ...)`` of the encoder).
    """
    return convert_state_dict(official, prefix='' if is_bare_mit(official) else
                              'backbone.backbone.')
