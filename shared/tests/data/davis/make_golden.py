"""Regenerate the DAVIS J / F golden numbers from the official evaluation code.

Usage::

    python shared/tests/data/davis/make_golden.py DAVIS2017_EVALUATION PYDAVIS16_TOOLBOX [--out DIR]

The two arguments are checkouts of https://github.com/davisvideochallenge/davis2017-evaluation
and https://github.com/lartpang/PyDavis16EvalToolbox at the commits of ``PROVENANCE.md``. This
file is our harness only (no official code): it writes random masks (``random_masks.npz``),
imports the official functions from the checkouts and writes their results
(``official_eval_golden.json``). Nothing is patched in the official files; ``davis2017/utils.py``
is loaded with a stand-in for its unused ``davis2017.davis`` import (the data set loader).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import os.path as osp
import sys
import types

import numpy as np

HERE = osp.dirname(osp.abspath(__file__))
SEQUENCES = {'seq0': 7, 'seq1': 9, 'seq2': 5}  # frames per sequence
SIZE = (40, 56)


def _load(name: str, path: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def import_official(davis2017: str, pydavis16: str) -> dict:
    pkg = types.ModuleType('davis2017')
    pkg.__path__ = [osp.join(davis2017, 'davis2017')]
    sys.modules['davis2017'] = pkg
    sys.modules['davis2017.davis'] = types.SimpleNamespace(DAVIS=None)  # unused loader
    d17_metrics = _load('davis2017.metrics', osp.join(davis2017, 'davis2017', 'metrics.py'))
    d17_utils = _load('davis2017.utils', osp.join(davis2017, 'davis2017', 'utils.py'))
    sys.path.insert(0, pydavis16)  # its eval.py imports `from metrics import ...`
    metrics = types.ModuleType('metrics')
    metrics.__path__ = [osp.join(pydavis16, 'metrics')]
    sys.modules['metrics'] = metrics
    jaccard = _load('metrics.jaccard', osp.join(pydavis16, 'metrics', 'jaccard.py'))
    f_boundary = _load('metrics.f_boundary', osp.join(pydavis16, 'metrics', 'f_boundary.py'))
    metrics.jaccard, metrics.f_boundary = jaccard, f_boundary
    d16_eval = _load('pydavis16_eval', osp.join(pydavis16, 'eval.py'))
    return dict(d17_metrics=d17_metrics, d17_utils=d17_utils, jaccard=jaccard,
                f_boundary=f_boundary, d16_eval=d16_eval)


def _ellipse(h, w, cy, cx, ry, rx):
    yy, xx = np.mgrid[0:h, 0:w]
    return ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1


def make_masks(seed: int = 2016) -> dict:
    """{seq: (gt T x H x W bool, pred T x H x W bool)}: a moving ellipse, predictions that are
    shifted / noisy / partial copies, an empty prediction, and an empty / empty frame."""
    rng = np.random.default_rng(seed)
    h, w = SIZE
    out = {}
    for s_idx, (name, frames) in enumerate(SEQUENCES.items()):
        gt, pred = np.zeros((frames, h, w), bool), np.zeros((frames, h, w), bool)
        cy, cx = rng.uniform(12, 28), rng.uniform(15, 40)
        ry, rx = rng.uniform(5, 10), rng.uniform(6, 14)
        vy, vx = rng.uniform(-1.5, 1.5, size=2)
        for t in range(frames):
            gt[t] = _ellipse(h, w, cy + vy * t, cx + vx * t, ry, rx)
            kind = (t + s_idx) % 5
            dy, dx = rng.integers(-4, 5, size=2)
            if kind == 0:  # shifted copy
                pred[t] = np.roll(gt[t], (int(dy), int(dx)), axis=(0, 1))
            elif kind == 1:  # noisy copy
                pred[t] = gt[t] ^ (rng.random((h, w)) < 0.05)
            elif kind == 2:  # scaled ellipse, shifted
                pred[t] = _ellipse(h, w, cy + vy * t + dy, cx + vx * t + dx, ry * 0.7, rx * 1.2)
            elif kind == 3:  # empty prediction
                pass
            else:  # two blobs
                pred[t] = gt[t] | _ellipse(h, w, rng.uniform(0, h), rng.uniform(0, w), 3, 4)
        if s_idx == 2:  # an empty / empty frame
            gt[2] = False
            pred[2] = False
        out[name] = (gt, pred)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('davis2017', help='checkout of davis2017-evaluation')
    parser.add_argument('pydavis16', help='checkout of PyDavis16EvalToolbox')
    parser.add_argument('--out', default=HERE)
    args = parser.parse_args(argv)
    off = import_official(osp.abspath(args.davis2017), osp.abspath(args.pydavis16))
    masks = make_masks()
    arrays, golden = {}, {}
    for name, (gt, pred) in masks.items():
        arrays[f'{name}_gt'] = np.packbits(gt.ravel())
        arrays[f'{name}_pred'] = np.packbits(pred.ravel())
        arrays[f'{name}_shape'] = np.array(gt.shape)
        # davis2017-evaluation on the stacked sequence
        j = off['d17_metrics'].db_eval_iou(gt, pred)
        f = off['d17_metrics'].db_eval_boundary(gt, pred)
        # PyDavis16EvalToolbox per frame (float masks, as its _read_and_eval_file)
        j16 = [off['jaccard'].db_eval_iou(annotation=g.astype(np.float32),
                                          segmentation=p.astype(np.float32))
               for g, p in zip(gt, pred)]
        f16 = [off['f_boundary'].db_eval_boundary(foreground_mask=p.astype(np.float32),
                                                  gt_mask=g.astype(np.float32))
               for g, p in zip(gt, pred)]
        np.testing.assert_allclose(j16, j, atol=1e-6)
        np.testing.assert_allclose(f16, f, atol=1e-9)
        # DAVIS-2016 protocol: first and last frame NaN, as its _eval_video_sequence does
        scores = np.asarray([[np.nan, np.nan]] + [[a, b] for a, b in zip(j16, f16)][1:-1]
                            + [[np.nan, np.nan]])
        d16 = [off['d16_eval'].get_mean_recall_decay_for_video(scores[:, i]) for i in range(2)]
        golden[name] = {
            'J': [float(x) for x in j], 'F': [float(x) for x in f],
            'stats_all': {'J': [float(x) for x in off['d17_utils'].db_statistics(j)],
                          'F': [float(x) for x in off['d17_utils'].db_statistics(f)]},
            'stats_davis16': {'J': [float(x) for x in d16[0]], 'F': [float(x) for x in d16[1]]},
        }
    os.makedirs(args.out, exist_ok=True)
    np.savez_compressed(osp.join(args.out, 'random_masks.npz'), **arrays)
    with open(osp.join(args.out, 'official_eval_golden.json'), 'w') as f:
        json.dump(golden, f, indent=1)
    print(f'wrote random_masks.npz and official_eval_golden.json to {args.out}')


if __name__ == '__main__':
    main()
