"""Strict, safe loading of model weights for test, inference and resume.

mmengine's ``Runner.load_checkpoint`` loads with ``strict=False``: another model's checkpoint
only logs "do not match exactly" and the run evaluates random weights. Here a checkpoint whose
keys or shapes differ from the model's is an error (:class:`StrictLoadError`) that summarises
the missing and unexpected keys (counts, grouped by prefix, the first few) and says the likely
cause. ``strict=False`` (``--non-strict`` in the tools) is for deliberate partial loads.
Files are read by :func:`cvshared.checkpoint.load_checkpoint_file` (weights_only on).
"""
from __future__ import annotations

import os.path as osp
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from ..checkpoint import CheckpointError, load_checkpoint_file, state_dict_of

_REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.realpath(__file__)))))


class StrictLoadError(CheckpointError):
    """The checkpoint does not fit the model (keys or shapes)."""


def _prefix(key: str, depth: int = 2) -> str:
    parts = key.split('.')
    return '.'.join(parts[:min(depth, len(parts) - 1)]) or parts[0]


def summarise_keys(keys: Iterable[str], first: int = 3, groups: int = 6) -> str:
    """``'12 keys: backbone.layers (8: backbone.layers.0.w, ...), head (4: ...)'``."""
    keys = sorted(keys)
    if not keys:
        return 'none'
    by_prefix = Counter(_prefix(k) for k in keys)
    parts = []
    for prefix, count in by_prefix.most_common(groups):
        examples = [k for k in keys if _prefix(k) == prefix][:first]
        more = ', ...' if count > first else ''
        parts.append(f'{prefix}.* ({count}: {", ".join(examples)}{more})')
    if len(by_prefix) > groups:
        parts.append(f'and {len(by_prefix) - groups} more prefixes')
    return f'{len(keys)} keys: ' + '; '.join(parts)


def revise_keys(state: Mapping) -> dict:
    """Strip the ``module.`` prefix of a DDP-wrapped model (as mmengine's loader does)."""
    return {re.sub(r'^module\.', '', k): v for k, v in state.items()}


def likely_cause(missing: list, unexpected: list, shape: list, n_model: int,
                 paper: str | None = None) -> str:
    converter = f'tools/model_converters/{paper}_official_to_ours.py'
    if not paper or not osp.isfile(osp.join(_REPO, converter)):
        converter = 'the paper\'s tools/model_converters/<key>_official_to_ours.py'
    paper_note = f' (this config is of paper {paper!r})' if paper else ''
    matched = n_model - len(missing)
    if matched == 0:
        return ('No key of the checkpoint matches the model: it is a checkpoint of another '
                f'paper or model{paper_note}, or an official checkpoint that must be converted '
                f'first with {converter}.')
    if shape and not missing and not unexpected:
        return ('Every key matches but some shapes differ: a checkpoint of another size of '
                'this model (wrong config: backbone width, number of classes, image size?).')
    if unexpected and not missing:
        return ('The checkpoint has extra weights: a checkpoint of a larger variant or of a '
                'model with more parts (wrong config?).')
    if missing and not unexpected:
        return ('The checkpoint lacks some weights of the model: a partial checkpoint (only '
                f'some modules, or an official checkpoint that {converter} completes), or a '
                'wrong config.')
    return ('Part of the keys match: most likely a checkpoint of another config of this paper '
            f'(another backbone or variant), or an official checkpoint that needs {converter}.')


def load_state_checked(model, state: Mapping, path: str = '<state dict>',
                       strict: bool = True, paper: str | None = None, logger=None) -> dict:
    """Load ``state`` into ``model``; raise :class:`StrictLoadError` if it does not fit (strict).

    The keys are judged by ``model.load_state_dict`` itself (after dropping shape mismatches),
    so a model's own load hooks count: MSFlow accepts a flows-only checkpoint when its frozen
    extractor came from its ImageNet file, and a plain key comparison would refuse it. A
    failing strict load leaves the model partly loaded; the error ends the run.
    Returns ``dict(missing=..., unexpected=..., shape=...)``.
    """
    own = model.state_dict()
    shape = [k for k in own if k in state and hasattr(state[k], 'shape')
             and tuple(state[k].shape) != tuple(own[k].shape)]
    result = model.load_state_dict({k: v for k, v in state.items() if k not in shape},
                                   strict=False)
    missing, unexpected = list(result.missing_keys), list(result.unexpected_keys)
    report = dict(missing=missing, unexpected=unexpected, shape=shape)
    if not (missing or unexpected or shape):
        return report
    lines = [f'Checkpoint {path!r} does not fit the model '
             f'({type(model).__name__}, {len(own)} weights; checkpoint {len(state)}).',
             f'  missing in the checkpoint: {summarise_keys(missing)}',
             f'  unexpected in the checkpoint: {summarise_keys(unexpected)}']
    if shape:
        lines.append('  shape mismatch: ' + ', '.join(
            f'{k} {tuple(state[k].shape)} vs model {tuple(own[k].shape)}' for k in shape[:5])
            + (f' and {len(shape) - 5} more' if len(shape) > 5 else ''))
    lines.append('  likely cause: ' + likely_cause(missing, unexpected, shape, len(own), paper))
    message = '\n'.join(lines)
    if strict:
        raise StrictLoadError(message + '\n  For a deliberate partial load pass --non-strict.')
    if logger is not None:
        logger.warning(message + '\n  (--non-strict: loaded what matches.)')
    return report


def paper_of(config_path: str | None) -> str | None:
    """``configs/<key>/x.py`` -> ``<key>``."""
    if not config_path:
        return None
    parent = osp.basename(osp.dirname(osp.abspath(config_path)))
    return None if parent in ('configs', '_base_') else parent


def _bare(model):
    """The model whose weights a checkpoint holds (without DDP or a TTA wrapper)."""
    from mmengine.model import BaseTTAModel, is_model_wrapper
    model = model.module if is_model_wrapper(model) else model
    return model.module if isinstance(model, BaseTTAModel) else model


def load_weights(model, path: str, strict: bool = True, paper: str | None = None,
                 logger=None, map_location='cpu', checkpoint=None):
    """Load ``path`` (or its already loaded ``checkpoint``) into ``model`` safely and, by
    default, strictly; returns the checkpoint. The one loading path of test, infer and train."""
    if checkpoint is None:
        checkpoint = load_checkpoint_file(path, map_location=map_location)
    state = revise_keys(state_dict_of(checkpoint))
    load_state_checked(_bare(model), state, path, strict=strict, paper=paper, logger=logger)
    return checkpoint


def load_into_runner(runner, path: str, strict: bool = True, paper: str | None = None):
    """``tools/test.py``: load ``path`` into ``runner.model`` (instead of mmengine's non-strict
    ``load_from``), with the ``after_load_checkpoint`` hooks called as mmengine does."""
    checkpoint = load_checkpoint_file(path, map_location='cpu')
    runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    load_weights(runner.model, path, strict=strict, paper=paper, logger=runner.logger,
                 checkpoint=checkpoint)
    runner._has_loaded = True
    runner.logger.info(f'Loaded {path} ({"strict" if strict else "non-strict"}).')
    return checkpoint


def resume_path(runner) -> str | None:
    """The checkpoint ``runner`` will resume or load from (None: none)."""
    from mmengine.runner import find_latest_checkpoint
    if runner._resume and runner._load_from is None:
        return find_latest_checkpoint(runner.work_dir)
    return runner._load_from


def verify_runner_checkpoint(runner, strict: bool = True, paper: str | None = None) -> None:
    """``tools/train.py``: before mmengine resumes / loads ``load_from`` (non-strictly), check
    safely that the checkpoint fits the model."""
    path = resume_path(runner)
    if path is None:
        return
    # loads into the model (mmengine loads the same file again when it resumes)
    load_weights(runner.model, path, strict=strict, paper=paper, logger=runner.logger)
