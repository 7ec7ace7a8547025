"""Official X-CLIP / UMIL checkpoint -> ours: pure functions on state dicts (no file I/O; the CLI
is ``tools/model_converters/umil_official_to_ours.py``, which loads through
``cvshared.checkpoint``; :func:`umil.models.backbone.load_pretrained` is the ``init_cfg`` path).

The official names are CLIP's (``visual.*``, ``transformer.*``, ``nn.MultiheadAttention``'s
packed ``in_proj_weight``) plus X-CLIP's (``mit.*``, ``prompts_generator.*``,
``prompts_visual_*``) and UMIL's heads (``head_video``, ``u_head_video``); ours are
transformers' X-CLIP names. Rules: packed q/k/v split in three (q, k, v order), the two
``[in, out]`` projection matrices (``visual.proj``, ``text_projection``) transposed into
``Linear`` weights, everything else renamed. ``input_resolution`` / ``context_length`` /
``vocab_size`` (JIT archive extras) are dropped, as the official ``build_model`` does.
"""
from __future__ import annotations

import collections
import re

import torch

# Official X-CLIP / UMIL checkpoints (``utils.save_checkpoint``) hold their yacs ``config``
# beside the weights. Weights-only loading cannot rebuild a yacs CfgNode (a dict subclass: torch
# refuses SETITEM on it), and yacs is not a dependency. The one entry below reads that config as
# a plain ``collections.OrderedDict`` (its keys and values, and its few internal flags as
# attributes): data only, nothing of yacs is imported or run. The weights are unaffected.
EXTRA_SAFE_GLOBALS = ((collections.OrderedDict, 'yacs.config.CfgNode'),)

DROPPED = ('input_resolution', 'context_length', 'vocab_size')
# prefix renames (official -> ours), first match wins
PREFIXES = (
    ('visual.transformer.resblocks.', 'vision_model.encoder.layers.'),
    ('transformer.resblocks.', 'text_model.encoder.layers.'),
    ('mit.resblocks.', 'mit.encoder.layers.'),
)
# whole-name renames inside a block
BLOCK = (('attn.out_proj.', 'self_attn.out_proj.'), ('ln_1.', 'layer_norm1.'),
         ('ln_2.', 'layer_norm2.'), ('mlp.c_fc.', 'mlp.fc1.'), ('mlp.c_proj.', 'mlp.fc2.'))
NAMES = {
    'visual.class_embedding': 'vision_model.embeddings.class_embedding',
    'visual.conv1.weight': 'vision_model.embeddings.patch_embedding.weight',
    'visual.positional_embedding': 'vision_model.embeddings.position_embedding.weight',
    'visual.ln_pre.weight': 'vision_model.pre_layernorm.weight',
    'visual.ln_pre.bias': 'vision_model.pre_layernorm.bias',
    'visual.ln_post.weight': 'vision_model.post_layernorm.weight',
    'visual.ln_post.bias': 'vision_model.post_layernorm.bias',
    'token_embedding.weight': 'text_model.embeddings.token_embedding.weight',
    'positional_embedding': 'text_model.embeddings.position_embedding.weight',
    'ln_final.weight': 'text_model.final_layer_norm.weight',
    'ln_final.bias': 'text_model.final_layer_norm.bias',
    'prompts_visual_ln.weight': 'prompts_visual_layernorm.weight',
    'prompts_visual_ln.bias': 'prompts_visual_layernorm.bias',
    'prompts_visual_proj': 'prompts_visual_projection',
    'mit.positional_embedding': 'mit.position_embedding',
    'prompts_generator.norm.weight': 'prompts_generator.layernorm.weight',
    'prompts_generator.norm.bias': 'prompts_generator.layernorm.bias',
    'logit_scale': 'logit_scale',
    'prompts_generator.alpha': 'prompts_generator.alpha',
}
TRANSPOSED = {'visual.proj': 'visual_projection.weight',
              'text_projection': 'text_projection.weight'}
SAME_PREFIX = ('prompts_generator.decoder.', 'head_video.', 'u_head_video.')
PACKED = re.compile(r'^(message_attn|attn)\.in_proj_(weight|bias)$')


def is_official(state: dict) -> bool:
    """Whether ``state`` carries the official (CLIP) names."""
    return any(k.removeprefix('module.') == 'visual.conv1.weight' for k in state)


def _block(rest: str) -> str:
    for old, new in BLOCK:
        if rest.startswith(old):
            return new + rest[len(old):]
    if rest.startswith(('message_fc.', 'message_ln.', 'message_attn.out_proj.')):
        return rest
    raise KeyError(rest)


def convert(official: dict, drop_mit_positions: bool = False) -> dict:
    """Our state dict from the official one (an X-CLIP or UMIL ``model`` state dict; a whole
    checkpoint dict with a ``model`` entry is accepted). ``drop_mit_positions``: leave
    ``mit.positional_embedding`` out, as the official ``build_model`` always does when it loads
    pretrained weights. Raises ``KeyError`` naming every unmapped key."""
    if isinstance(official.get('model'), dict):
        official = official['model']
    ours, unmapped = {}, []
    for name, value in official.items():
        name = name.removeprefix('module.')  # saved from (Distributed)DataParallel
        if name in DROPPED or (drop_mit_positions and name == 'mit.positional_embedding'):
            continue
        if name in NAMES:
            ours[NAMES[name]] = value
            continue
        if name in TRANSPOSED:
            ours[TRANSPOSED[name]] = value.t().contiguous()
            continue
        if name.startswith(SAME_PREFIX):
            ours[name] = value
            continue
        for old, new in PREFIXES:
            if name.startswith(old):
                idx, rest = name[len(old):].split('.', 1)
                head = f'{new}{idx}.'
                packed = PACKED.match(rest)
                if packed:
                    attn = 'self_attn' if packed.group(1) == 'attn' else 'message_attn'
                    for part, chunk in zip('qkv', value.chunk(3, dim=0)):
                        ours[f'{head}{attn}.{part}_proj.{packed.group(2)}'] = chunk.clone()
                else:
                    try:
                        ours[head + _block(rest)] = value
                    except KeyError:
                        unmapped.append(name)
                break
        else:
            unmapped.append(name)
    if unmapped:
        raise KeyError(f'official keys with no counterpart in umil: {unmapped}')
    return ours


def to_official(ours: dict) -> dict:
    """The inverse of :func:`convert` (for tests and for running the official code)."""
    names = {v: k for k, v in NAMES.items()}
    transposed = {v: k for k, v in TRANSPOSED.items()}
    blocks = {new: old for old, new in BLOCK}
    out, pending = {}, {}
    for name, value in ours.items():
        if name in names:
            out[names[name]] = value
        elif name in transposed:
            out[transposed[name]] = value.t().contiguous()
        elif name.startswith(SAME_PREFIX):
            out[name] = value
        else:
            for old, new in PREFIXES:
                if name.startswith(new):
                    idx, rest = name[len(new):].split('.', 1)
                    head = f'{old}{idx}.'
                    m = re.match(r'^(self_attn|message_attn)\.([qkv])_proj\.(weight|bias)$', rest)
                    if m:
                        attn = 'attn' if m.group(1) == 'self_attn' else 'message_attn'
                        key = f'{head}{attn}.in_proj_{m.group(3)}'
                        pending.setdefault(key, {})[m.group(2)] = value
                    else:
                        for new_b, old_b in blocks.items():
                            if rest.startswith(new_b):
                                out[head + old_b + rest[len(new_b):]] = value
                                break
                        else:
                            if not rest.startswith(('message_fc.', 'message_ln.',
                                                    'message_attn.out_proj.')):
                                raise KeyError(f'{name} has no official counterpart')
                            out[head + rest] = value
                    break
            else:
                raise KeyError(f'{name} has no official counterpart')
    for key, parts in pending.items():
        if sorted(parts) != ['k', 'q', 'v']:
            raise KeyError(f'{key}: q, k and v are needed, got {sorted(parts)}')
        out[key] = torch.cat([parts['q'], parts['k'], parts['v']], dim=0)
    return out
