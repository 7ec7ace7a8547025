"""A toy 'paper' for the repository's own tests of the tools (train, test, resume, mim,
reproduce, benchmark): a logistic-regression classifier on 2-D points, its on-disk data layout,
an accuracy metric, a synthetic generator and a :class:`~cvshared.paper.PaperSpec`.

Layout of the toy benchmark::

    <root>/
      train.txt     one sample a line: "x y label"
      test.txt
"""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import BaseDataset
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import BaseModel, BaseTTAModel
from mmengine.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS

from .paper import PaperSpec

TOY_TREE = """<data_root>/
  train.txt   lines "x y label"
  test.txt"""


def check_toy_data(root: str, run: str = 'toy') -> None:
    for split in ('train.txt', 'test.txt'):
        if not osp.isfile(osp.join(root, split)):
            raise FileNotFoundError(
                f'Toy data set not found: {osp.join(root, split)} is missing. Expected:\n'
                f'{TOY_TREE}')


def make_toy_data(root: str, n_train: int = 64, n_test: int = 32, seed: int = 0) -> None:
    """Two Gaussian blobs, linearly separable with a margin."""
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    for split, n in (('train.txt', n_train), ('test.txt', n_test)):
        labels = rng.integers(0, 2, n)
        points = rng.normal(0, 0.5, (n, 2)) + np.where(labels[:, None] == 1, 1.5, -1.5)
        with open(osp.join(root, split), 'w') as f:
            for (x, y), label in zip(points, labels):
                f.write(f'{x:.6f} {y:.6f} {label}\n')


@DATASETS.register_module()
class CvsharedToyDataset(BaseDataset):
    """Reads ``<data_root>/<ann_file>`` in the toy layout."""

    def __init__(self, data_root: str, ann_file: str, **kwargs):
        super().__init__(data_root=data_root, ann_file=ann_file, serialize_data=False, **kwargs)

    def load_data_list(self):
        if not osp.isfile(self.ann_file):
            check_toy_data(self.data_root)
        data_list = []
        with open(self.ann_file) as f:
            for lineno, line in enumerate(f, 1):
                parts = line.split()
                if len(parts) != 3:
                    raise ValueError(f'{self.ann_file}:{lineno}: expected "x y label", '
                                     f'got {line.strip()!r}')
                data_list.append(dict(inputs=torch.tensor([float(parts[0]), float(parts[1])]),
                                      label=int(parts[2])))
        return data_list


@MODELS.register_module()
class CvsharedToyClassifier(BaseModel):
    """Logistic regression, ``p(label=1 | x) = sigmoid(w.x + b)``."""

    def __init__(self, in_dim: int = 2, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.linear = nn.Linear(in_dim, 1)

    def forward(self, inputs, label=None, mode='tensor', **unused):
        logits = self.linear(inputs).squeeze(-1)
        if mode == 'loss':
            return dict(loss=nn.functional.binary_cross_entropy_with_logits(
                logits, label.float()))
        if mode == 'predict':
            return [dict(pred=int(p), label=int(t), logit=float(v))
                    for p, t, v in zip(logits > 0, label, logits)]
        return logits


@TRANSFORMS.register_module()
class CvsharedToyTwoViews:
    """Toy test-time augmentation: the views ``x`` and ``-x`` of each point."""

    def __call__(self, results: dict) -> dict:
        x = results['inputs']
        return dict(inputs=[x, -x], label=[results['label'], results['label']])


@MODELS.register_module()
class CvsharedToyTTAModel(BaseTTAModel):
    """Averages the logits of the views. With the views ``x`` and ``-x`` the mean logit is the
    bias alone, so TTA visibly changes the toy's accuracy (the tests use that)."""

    def merge_preds(self, data_samples_list):
        merged = []
        for views in data_samples_list:
            logit = float(np.mean([v['logit'] for v in views]))
            merged.append(dict(pred=int(logit > 0), label=views[0]['label'], logit=logit))
        return merged


@HOOKS.register_module()
class CvsharedToyVisualizationHook(Hook):
    """Writes one text 'picture' per test batch when ``draw`` (the --show-dir contract:
    ``test_out_dir`` relative to ``<work_dir>/<timestamp>/``, as mmseg)."""

    def __init__(self, draw: bool = False, test_out_dir: str | None = None):
        self.draw = draw
        self.test_out_dir = test_out_dir

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or self.test_out_dir is None:
            return
        out = osp.join(runner.work_dir, runner.timestamp, self.test_out_dir)
        os.makedirs(out, exist_ok=True)
        with open(osp.join(out, f'batch_{batch_idx}.txt'), 'w') as f:
            f.write(' '.join(str(o['pred']) for o in outputs))


@METRICS.register_module()
class CvsharedToyAccuracy(BaseMetric):
    default_prefix = 'toy'

    def process(self, data_batch, data_samples):
        self.results.extend(s['pred'] == s['label'] for s in data_samples)

    def compute_metrics(self, results):
        return dict(accuracy=float(np.mean(results)))


# realpath: the toy config's _base_ is relative to the repository (cvshared may be imported
# through the site-packages link that tools/install_mim_links.py makes)
TOY_CONFIG = osp.join(osp.dirname(osp.realpath(__file__)), 'toy_config.py')

TOY_SPEC = PaperSpec(
    key='toy',
    title='Toy logistic regression (tests of the tools)',
    runs={'toy': TOY_CONFIG},
    synthetic_runs={'toy': TOY_CONFIG},
    reported={'toy/accuracy': 100.0},
    make_synthetic=make_toy_data,
    check_data=check_toy_data,
    data_hint='(toy: the data set is always generated)',
    benchmark_config=TOY_CONFIG,
    protocol={'toy/accuracy': 'single-scale'},
    tta_protocol='two views (x, -x)',
    official_benchmark={'setting': 'toy figures for the tests of tools/benchmark.py',
                        'train step (ms)': 1.0},
)


def _toy_inferencer():
    from .engine.infer import CvsharedInferencer, stem

    class CvsharedToyInferencer(CvsharedInferencer):
        """Input: a text file holding one point ``x y``; output: class and logit."""

        def input_to_data(self, item) -> dict:
            x, y = (float(v) for v in open(item).read().split()[:2])
            return dict(inputs=torch.tensor([x, y]), label=-1)

        def result_of(self, item, pred) -> dict:
            out = dict(label=int(pred['pred']), logit=float(pred['logit']))
            if self.threshold is not None:
                out['positive'] = bool(out['logit'] > self.threshold)
            return out

        def save(self, item, pred, result, out_dir):
            path = osp.join(out_dir, stem(item) + '.txt')
            with open(path, 'w') as f:
                f.write(f"{result['label']} {result['logit']:.6f}\n")
            return [path]

    return CvsharedToyInferencer


def __getattr__(name):  # built lazily: cvshared.engine.infer imports this module's siblings
    if name == 'CvsharedToyInferencer':
        cls = _toy_inferencer()
        globals()[name] = cls
        return cls
    raise AttributeError(name)
