"""Official STTS checkpoints (wangjk666/STTS) -> this repository's STTS models (pure functions).

Two official formats are recognised:

* **VideoSwin** (mmaction 0.x fork, saved by mmcv's runner): ``{'meta': {...}, 'state_dict':
  {'backbone.*', 'cls_head.*'}, 'optimizer': {...}}``. Renames: ``backbone.norm.*`` ->
  ``backbone.norm{L-1}.*`` (mmaction2 names the output norm by its stage),
  ``backbone.time_score_predictor.j.score_network.*`` -> ``backbone.time_selectors.j.predictor.*``
  (same for ``space_``). Everything else (patch embedding, blocks, PatchMerging, relative position
  tables, ``cls_head.fc_cls``) keeps its name.
* **MViT v1** (PySlowFast ``save_checkpoint``): ``{'epoch', 'model_state': {...},
  'optimizer_state', 'cfg'}`` without prefixes (``cfg`` is ``cfg.dump()``, a YAML string, in the
  official code; a pickled yacs / fvcore ``CfgNode`` is accepted too, see
  :data:`EXTRA_SAFE_GLOBALS`). Renames: ``patch_embed.proj`` -> ``backbone.patch_embed.projection``,
  ``norm`` -> ``backbone.norm3``, ``head.projection`` -> ``cls_head.fc_cls``, the selectors as
  above, every other key gets the ``backbone.`` prefix (blocks, ``cls_token``,
  ``pos_embed_{spatial,temporal,class}`` keep their names).

Unknown keys raise an error instead of being dropped. File I/O is in
``tools/model_converters/stts_official_to_ours.py`` (``cvshared.checkpoint.converter_main``,
which loads with ``weights_only`` kept on).
"""
from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np

__all__ = ['EXTRA_SAFE_GLOBALS', 'CfgNodeStandIn', 'convert', 'convert_mvit', 'convert_swin']

_SELECTORS = [(re.compile(r'^(time|space)_score_predictor\.(\d+)\.score_network\.'),
               r'\1_selectors.\2.predictor.')]


class CfgNodeStandIn:
    """Stand-in for a pickled yacs / fvcore ``CfgNode`` (the config a PySlowFast checkpoint may
    carry): it loads as a plain :class:`collections.OrderedDict` of its items (nested nodes
    too), its private attributes (``__immutable__`` ...) set on that dict's ``__dict__``.
    Nothing of yacs is executed and yacs need not be importable. (``__new__`` returns the
    ``OrderedDict`` because torch's safe unpickler fills only exact dict types.)"""

    def __new__(cls, *args, **kwargs):
        return OrderedDict()


def _numpy_scalar_globals():
    # mmcv's runner stores evaluation scores (numpy.float64 from mmaction's metrics) in
    # meta['hook_msgs']; a numpy scalar is rebuilt from its dtype and raw bytes only.
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import scalar
    names = [scalar, np.dtype]
    for kind in ('Float64DType', 'Float32DType', 'Int64DType'):
        if hasattr(np, 'dtypes') and hasattr(np.dtypes, kind):
            names.append(getattr(np.dtypes, kind))
    # numpy 2 pickles the scalar global under numpy.core (old files) or numpy._core (new ones)
    names.append((scalar, 'numpy.core.multiarray.scalar'))
    return names


#: The narrow allow-list the official checkpoints need beyond tensors and containers.
EXTRA_SAFE_GLOBALS = (
    (CfgNodeStandIn, 'yacs.config.CfgNode'),
    (CfgNodeStandIn, 'fvcore.common.config.CfgNode'),
    *_numpy_scalar_globals(),
)


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


def convert(official: dict) -> dict:
    """Official checkpoint dict (either format) -> our state dict."""
    if not isinstance(official, dict):
        raise KeyError(f'not an official STTS checkpoint: a {type(official).__name__}, not a dict.')
    if 'model_state' in official:
        return convert_mvit(official['model_state'])
    if 'state_dict' in official:
        return convert_swin(official['state_dict'])
    raise KeyError('not an official STTS checkpoint: expected a "model_state" (PySlowFast MViT) '
                   f'or "state_dict" (VideoSwin) entry; found {sorted(official)[:10]}.')
