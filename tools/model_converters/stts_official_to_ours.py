"""Convert an official STTS checkpoint (wangjk666/STTS) to this repository's STTS models.

Two official formats are recognised:

* **VideoSwin** (mmaction 0.x fork): ``{'state_dict': {'backbone.*', 'cls_head.*'}, ...}``.
  Renames: ``backbone.norm.*`` -> ``backbone.norm{L-1}.*`` (mmaction2 names the output norm by
  its stage), ``backbone.time_score_predictor.j.score_network.*`` ->
  ``backbone.time_selectors.j.predictor.*`` (same for ``space_``). Everything else (patch
  embedding, blocks, PatchMerging, relative position tables, ``cls_head.fc_cls``) keeps its name.
* **MViT v1** (PySlowFast): ``{'model_state': {...}, 'epoch', 'cfg', ...}`` without prefixes.
  Renames: ``patch_embed.proj`` -> ``backbone.patch_embed.projection``, ``norm`` ->
  ``backbone.norm3``, ``head.projection`` -> ``cls_head.fc_cls``, the selectors as above, every
  other key gets the ``backbone.`` prefix (blocks, ``cls_token``, ``pos_embed_{spatial,
  temporal,class}`` keep their names).

The result is an mmengine checkpoint ``{'state_dict': ..., 'meta': {...}}`` for ``load_from`` /
``tools/test.py``. Unknown keys raise an error instead of being dropped.

Usage: ``python tools/model_converters/stts_official_to_ours.py OFFICIAL.pth OURS.pth``
"""
from __future__ import annotations

import argparse
import re

import torch

_SELECTORS = [(re.compile(r'^(time|space)_score_predictor\.(\d+)\.score_network\.'),
               r'\1_selectors.\2.predictor.')]


def _rename_selectors(key: str) -> str:
    for pattern, repl in _SELECTORS:
        key = pattern.sub(repl, key)
    return key


def convert_swin(state: dict) -> dict:
    """Official VideoSwin STTS ``state_dict`` -> ours (``Recognizer3D`` + STTSSwinTransformer3D)."""
    stages = {int(m.group(1)) for k in state if (m := re.match(r'backbone\.layers\.(\d+)\.', k))}
    if not stages:
        raise KeyError('not an official VideoSwin checkpoint: no backbone.layers.* weights.')
    last = max(stages)
    out = {}
    for key, value in state.items():
        if key.startswith('backbone.'):
            rest = key[len('backbone.'):]
            if rest.startswith('norm.'):
                rest = f'norm{last}.' + rest[len('norm.'):]
            out['backbone.' + _rename_selectors(rest)] = value
        elif key.startswith('cls_head.'):
            out[key] = value
        else:
            raise KeyError(f'unexpected key {key!r} in the official VideoSwin checkpoint.')
    return out


_MVIT_TOP = ('cls_token', 'pos_embed_spatial', 'pos_embed_temporal', 'pos_embed_class')


def convert_mvit(state: dict) -> dict:
    """Official PySlowFast MViT v1 STTS ``model_state`` -> ours (``Recognizer3D`` + STTSMViT)."""
    out = {}
    for key, value in state.items():
        if key.startswith('patch_embed.proj.'):
            new = 'backbone.patch_embed.projection.' + key[len('patch_embed.proj.'):]
        elif key.startswith('norm.'):
            new = 'backbone.norm3.' + key[len('norm.'):]
        elif key.startswith('head.projection.'):
            new = 'cls_head.fc_cls.' + key[len('head.projection.'):]
        elif key.startswith(('blocks.', 'time_score_predictor.', 'space_score_predictor.')) \
                or key in _MVIT_TOP:
            new = 'backbone.' + _rename_selectors(key)
        else:
            raise KeyError(f'unexpected key {key!r} in the official MViT checkpoint.')
        out[new] = value
    return out


def convert(ckpt: dict) -> dict:
    """Official checkpoint dict (either format) -> our state dict."""
    if 'model_state' in ckpt:
        return convert_mvit(ckpt['model_state'])
    if 'state_dict' in ckpt:
        return convert_swin(ckpt['state_dict'])
    raise KeyError('not an official STTS checkpoint: expected a "model_state" (PySlowFast MViT) '
                   f'or "state_dict" (VideoSwin) entry; found {sorted(ckpt)[:10]}.')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='output checkpoint for this repository')
    args = parser.parse_args(argv)
    ckpt = torch.load(args.src, map_location='cpu', weights_only=False)
    state = convert(ckpt)
    torch.save({'state_dict': state, 'meta': {'converted_from': args.src}}, args.dst)
    print(f'wrote {len(state)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
