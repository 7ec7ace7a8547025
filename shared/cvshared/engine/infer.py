"""Inference on a user's own data: the shared base of every package's inferencer.

``tools/infer.py CONFIG CKPT INPUT... [--out-dir D] [--threshold T]`` builds the package's
inferencer (``<key>.infer.INFERENCER``, a subclass of :class:`CvsharedInferencer`) on mmengine's
``BaseInferencer`` pattern (as mmseg's and mmpretrain's inferencers): the model is built from
the config and loaded from ``CKPT`` safely (weights_only) and strictly (the key summary of
:mod:`cvshared.engine.weights` on a mismatch); each input becomes a data dict
(:meth:`CvsharedInferencer.input_to_data`) run through the config's test pipeline, batches are
collated with the config's ``collate_fn`` and run through ``model.test_step``; each prediction
becomes a JSON-able result (:meth:`result_of`) and, with an output folder, files and pictures
(:meth:`save`, which calls the package's ``hooks.visualization.draw_sample`` where it has one).

A subclass sets ``input_to_data``, ``result_of`` and ``save`` (and ``test_pipeline`` if the
config's pipeline needs ground truth that a user's data lacks).
"""
from __future__ import annotations

import json
import os
import os.path as osp
from collections.abc import Sequence
from functools import partial

from mmengine.infer import BaseInferencer

from .launch import drop_pretrained, load_config
from .weights import load_weights, paper_of


class CvsharedInferencer(BaseInferencer):
    """Base inferencer: strict safe weights, the config's test pipeline, files per input."""

    preprocess_kwargs: set = set()
    forward_kwargs: set = set()
    visualize_kwargs: set = set()
    postprocess_kwargs: set = set()

    def __init__(self, config: str, checkpoint: str, device: str = 'cpu', strict: bool = True,
                 threshold: float | None = None, cfg_options: dict | None = None):
        from mmengine.registry import init_default_scope
        from mmengine.utils import import_modules_from_strings

        cfg = load_config(config, cfg_options, generate_synthetic=False)
        drop_pretrained(cfg.model)  # every weight comes from the checkpoint (strict)
        if cfg.get('custom_imports'):
            import_modules_from_strings(**cfg.custom_imports)
        scope = cfg.get('default_scope', 'mmengine')
        init_default_scope(scope)
        self.config_path = config
        self.checkpoint_path = checkpoint
        self.strict = strict
        self.threshold = threshold
        self.paper = paper_of(config)
        super().__init__(model=cfg, weights=checkpoint, device=device, scope=scope,
                         show_progress=False)

    # -- model ----------------------------------------------------------------------------
    def _load_weights_to_model(self, model, checkpoint, cfg) -> None:
        load_weights(model, self.checkpoint_path, strict=self.strict, paper=self.paper,
                     checkpoint=checkpoint)

    # -- data -----------------------------------------------------------------------------
    #: transforms of the config's test pipeline that read what a user's input lacks (ground
    #: truth, precomputed maps): :meth:`test_pipeline` drops them
    GROUND_TRUTH_STEPS: tuple[str, ...] = ()

    def test_pipeline(self, cfg) -> list:
        """The transforms for one input (default: the config's test pipeline without the
        :attr:`GROUND_TRUTH_STEPS`)."""
        steps = list(cfg.test_dataloader.dataset.get('pipeline') or [])
        return [s for s in steps if s.get('type') not in self.GROUND_TRUTH_STEPS]

    def _init_pipeline(self, cfg):
        from mmengine.dataset import Compose
        from mmengine.registry import TRANSFORMS

        with TRANSFORMS.switch_scope_and_registry(self.scope):
            compose = Compose(self.test_pipeline(cfg))
        return lambda item: compose(self.input_to_data(item))

    def _init_collate(self, cfg):
        from mmengine.dataset import pseudo_collate
        from mmengine.registry import FUNCTIONS

        collate = dict(cfg.test_dataloader.get('collate_fn') or {})
        kind = collate.pop('type', None)
        if kind is None:
            return pseudo_collate
        if callable(kind):
            return partial(kind, **collate)
        # mmengine's FUNCTIONS, as Runner.build_dataloader looks it up (mmaction2 1.2.0's own
        # FUNCTION registry names a location, mmaction.mmengine, that does not exist)
        fn = FUNCTIONS.get(kind)
        if fn is None:
            raise KeyError(f'collate_fn {kind!r} of the test dataloader is not registered in '
                           "mmengine's FUNCTIONS")
        return partial(fn, **collate)

    def _init_visualizer(self, cfg):
        return None  # pictures are drawn by the package's draw_sample

    def input_to_data(self, item) -> dict:
        """One input (a path) -> the data dict the test pipeline starts from."""
        raise NotImplementedError

    def _inputs_to_list(self, inputs) -> list:
        if isinstance(inputs, (str, os.PathLike)):
            inputs = [inputs]
        items = list(inputs)
        missing = [i for i in items if isinstance(i, (str, os.PathLike)) and ':' not in str(i)
                   and not osp.exists(i)]
        if missing:
            raise FileNotFoundError(f'Input(s) not found: {", ".join(map(str, missing))}')
        return items

    # -- results --------------------------------------------------------------------------
    def result_of(self, item, pred) -> dict:
        """One prediction -> a JSON-able result."""
        raise NotImplementedError

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        """Write the files and pictures of one result; return their paths."""
        return []

    def before_save(self, items: list, preds: list) -> None:
        """Called once with every prediction of the call before any is saved (e.g. to draw
        all pictures on one colour range)."""

    def visualize(self, inputs: list, preds: list, **kwargs) -> list:
        return []

    def postprocess(self, preds, visualization, return_datasamples=False, **kwargs):
        return preds

    def __call__(self, inputs, out_dir: str | None = None, batch_size: int = 1) -> dict:
        items = self._inputs_to_list(inputs)
        preds = []
        for data in self.preprocess(items, batch_size=batch_size):
            preds.extend(self.forward(data))
        results = []
        if out_dir:
            self.before_save(items, preds)
        for item, pred in zip(items, preds):
            result = dict(input=str(item), **self.result_of(item, pred))
            if out_dir:
                os.makedirs(out_dir, exist_ok=True)
                result['files'] = [str(p) for p in self.save(item, pred, result, out_dir)]
            results.append(result)
        payload = dict(config=self.config_path, checkpoint=self.checkpoint_path,
                       threshold=self.threshold, results=results)
        if out_dir:
            with open(osp.join(out_dir, 'results.json'), 'w') as f:
                json.dump(payload, f, indent=2)
        return payload


def stem(item) -> str:
    return osp.splitext(osp.basename(str(item).split(':')[0]))[0]


def inferencer_class(config: str, name: str | None = None):
    """``module:Class`` given, else ``<key>.infer.INFERENCER`` of the config's paper (the toy's
    for the toy config)."""
    import importlib

    from .launch import synthetic_spec_of

    if name:
        module, attr = name.split(':')
        return getattr(importlib.import_module(module), attr)
    key = paper_of(config)
    spec = synthetic_spec_of(config)
    if spec is not None and spec.key == 'toy':
        from ..testing import CvsharedToyInferencer
        return CvsharedToyInferencer
    if key:
        try:
            module = importlib.import_module(f'{key}.infer')
        except ModuleNotFoundError as err:
            if err.name != f'{key}.infer':
                raise
        else:
            return module.INFERENCER
    raise SystemExit(f'No inferencer for {config!r}: expected packages/<key>/<key>/infer.py '
                     'with INFERENCER for a config under configs/<key>/ (or pass '
                     '--inferencer module:Class).')


def run(config: str, checkpoint: str, inputs: Sequence, out_dir: str | None = None,
        threshold: float | None = None, device: str = 'cpu', strict: bool = True,
        inferencer: str | None = None, batch_size: int = 1,
        cfg_options: dict | None = None) -> dict:
    cls = inferencer_class(config, inferencer)
    return cls(config, checkpoint, device=device, strict=strict, threshold=threshold,
               cfg_options=cfg_options)(inputs, out_dir=out_dir, batch_size=batch_size)
