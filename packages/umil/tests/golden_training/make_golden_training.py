"""Regenerate the training goldens of umil (tests/golden/training_*.pt) from the official code.

    python packages/umil/tests/golden_training/make_golden_training.py /path/to/UMIL-checkout \
        [--out DIR]

Our harness only (no official code): it imports ``utils.cluster`` and ``main_umil`` from the
checkout (sys.path), stubs the modules the two epoch functions do not use (apex, the
mmcv-1.x data loaders, the X-CLIP model), patches ``.cuda()`` / ``torch.cuda.synchronize`` at
run time, and feeds ``mil_one_epoch`` / ``umil_one_epoch`` a stand-in model whose outputs are
fixed random leaf tensors; the loss terms are read from the official meters, the gradients
from the leaves. The Stage-B split is the official block of ``main`` (located with ``ast`` in
the checkout's ``main_umil.py`` and executed on a synthetic history). See
golden_training/PROVENANCE_training.md.
"""
from __future__ import annotations

import argparse
import ast
import logging
import os.path as osp
import sys
import textwrap
import types

import numpy as np
import torch

HERE = osp.dirname(osp.abspath(__file__))
GOLDEN = osp.join(osp.dirname(HERE), 'golden')
B, A, K, D = 2, 2, 6, 16


def _stub_modules():
    for name in ('apex', 'clip', 'datasets', 'datasets.build', 'datasets.blending', 'models',
                 'models.xclip', 'utils.logger'):
        mod = types.ModuleType(name)
        mod.amp = None
        mod.build_dataloader = mod.CutmixMixupBlending = mod.create_logger = None
        mod.xclip = None
        sys.modules[name] = mod
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.cuda.synchronize = lambda *a, **k: None
    torch.cuda.max_memory_allocated = lambda *a, **k: 0


class _Recorder:
    """Stands in for ``AverageMeter``; keeps every value, in creation order."""
    made: list = []

    def __init__(self):
        self.values, self.val, self.avg = [], 0.0, 0.0
        _Recorder.made.append(self)

    def update(self, val, n=1):
        self.values.append(float(val))
        self.val = self.avg = float(val)


class _Model:
    def __init__(self, outputs):
        self.outputs = outputs

    def train(self):
        return self

    def __call__(self, images, texts):
        return self.outputs


class _Opt:
    param_groups = [dict(lr=0.0)]

    def zero_grad(self):
        pass

    def step(self):
        pass


def _config(accumulation):
    ns = types.SimpleNamespace
    return ns(TRAIN=ns(ACCUMULATION_STEPS=accumulation, OPT_LEVEL='O0', EPOCHS=1),
              PRINT_FREQ=10 ** 6, DATA=ns(NUM_FRAMES=5))


def _args():
    return argparse.Namespace(threshold=0.8, cluster_threshold=0.8, w_smooth=0.01,
                              w_sparse=0.001, w_compat=1.0, w_cluster=0.01, w_con=1.0,
                              w_con1=1.0, w_mil=1.0, w_cls=0.0, umil_epoch=30,
                              confidence_threshold=0.3)


def _outputs(gen, scale=3.0):
    n = B * A * K
    feat = torch.randn(n, D, generator=gen)
    feat[: n // 2] += 2.0 * torch.randn(1, D, generator=gen)   # two feature groups: both
    feat = feat.requires_grad_()                                 # pair targets occur
    y = (scale * torch.randn(n, 2, generator=gen)).requires_grad_()
    yc = (scale * torch.randn(n, 2, generator=gen)).requires_grad_()
    ycn = (scale * torch.randn(n, 2, generator=gen)).requires_grad_()
    return dict(y=y, y_cluster_all=yc, feature_v=feat, y_cluster_all_nograd=ycn)


def cluster_golden(cluster):
    gen = torch.Generator().manual_seed(0)
    n = 7
    feat = torch.randn(n, D, generator=gen)
    feat[:3] += 3 * torch.randn(1, D, generator=gen)
    lw, ls = 3 * torch.randn(n, 2, generator=gen), 3 * torch.randn(n, 2, generator=gen)
    x = torch.randn(4, 3, generator=gen)
    e1, e2 = cluster.PairEnum(x)
    crit = cluster.ClusterLoss(2, 'cos', 0.7, 2)
    mask = torch.zeros(n, dtype=torch.bool)
    loss, target = crit.compute_losses(dict(
        x1=feat, x1_norm=None, preds1_u=lw, x2=feat, x2_norm=None, preds2_u=ls,
        labels=None, mask=mask))
    p1, p2 = torch.rand(9, 2, generator=gen), torch.rand(9, 2, generator=gen)
    simi = torch.tensor([1., -1, 1, -1, -1, 1, 1, -1, 1])
    bce = cluster.BCE()(p1.clone(), p2.clone(), simi)
    return dict(x=x, pair1=e1, pair2=e2, feat=feat, logits_weak=lw, logits_strong=ls,
                loss=loss.detach(), target=target, p1=p1, p2=p2, simi=simi, bce=bce)


def mil_golden(main_umil, cluster):
    gen = torch.Generator().manual_seed(1)
    out = _outputs(gen)
    labels = torch.tensor([3, 0])
    batch = dict(imgs=torch.zeros(B, A, K, 3, 1, 1, 1),
                 label=labels[:, None].repeat(1, A), vid=torch.arange(B))
    _Recorder.made.clear()
    main_umil.mil_one_epoch(31, _Model(out), cluster.ClusterLoss(2, 'cos', 0.7, 2), _Opt(),
                            types.SimpleNamespace(step_update=lambda *a: None), [batch],
                            torch.zeros(2, 3), _config(1), dict(length=0), [])
    names = ['time', 'total', 'mil', 'mar', 'con', 'clu', 'smooth', 'sparse']
    terms = {n: torch.tensor(m.values[0]) for n, m in zip(names, _Recorder.made) if n != 'time'}
    return dict(**{k: v.detach() for k, v in out.items()}, labels=labels,
                **{f'term_{k}': v for k, v in terms.items()},
                grad_y=out['y'].grad, grad_y_cluster_all=out['y_cluster_all'].grad,
                grad_feature_v=out['feature_v'].grad if out['feature_v'].grad is not None
                else torch.zeros(0))


def umil_golden(main_umil, cluster):
    gen = torch.Generator().manual_seed(2)
    out = _outputs(gen)
    labels = torch.tensor([5, 2])
    n_seg = [4, 3]
    total = [120, 90]
    frame_inds = torch.stack([torch.arange(K * 5) * t // (K * 5) for t in total])
    rng = np.random.default_rng(2)
    vids = ['Abuse001_x264.mp4', 'Arson002_x264.mp4']
    data_dict = dict(length=3, label={}, mask={})
    for v, s in zip(vids, n_seg):
        data_dict['label'][v] = rng.integers(0, 2, s)
        data_dict['mask'][v] = (rng.random(s) < 0.3).astype(np.float64)
    batch = dict(imgs=torch.zeros(B, A, K, 3, 1, 1, 1), label=labels[:, None].repeat(1, A),
                 vid=torch.arange(B), frame_inds=frame_inds, total_frames=torch.tensor(total))
    _Recorder.made.clear()
    main_umil.umil_one_epoch(31, _Model(out), cluster.ClusterLoss(2, 'cos', 0.7, 2), _Opt(),
                             types.SimpleNamespace(step_update=lambda *a: None), [batch],
                             torch.zeros(2, 3), _config(2), data_dict, vids)
    terms = {n: torch.tensor(m.values[0]) for n, m in zip(['time', 'total', 'clu', 'compat'],
                                                          _Recorder.made) if n != 'time'}
    return dict(**{k: v.detach() for k, v in out.items()}, labels=labels,
                frame_inds=frame_inds, total_frames=torch.tensor(total),
                n_seg=torch.tensor(n_seg),
                hist_label=[torch.from_numpy(data_dict['label'][v]) for v in vids],
                hist_mask=[torch.from_numpy(data_dict['mask'][v]) for v in vids],
                **{f'term_{k}': v for k, v in terms.items()},
                grad_y=out['y'].grad, grad_y_cluster_all_nograd=out['y_cluster_all_nograd'].grad)


def split_golden(checkout):
    src = open(osp.join(checkout, 'main_umil.py'), encoding='utf-8').read()
    tree = ast.parse(src)
    main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == 'main')
    block = next(n for n in ast.walk(main) if isinstance(n, ast.If)
                 and "data_dict['length'] > 1" in ast.get_source_segment(src, n.test))
    code = textwrap.dedent(ast.get_source_segment(src, block))
    rng = np.random.default_rng(3)
    epochs, counts = 4, [9, 12, 7, 10, 8]
    names = ['Abuse001_x264.mp4', 'Normal_Videos_002_x264.mp4', 'Arson003_x264.mp4',
             'Normal_Videos_004_x264.mp4', 'Burglary005_x264.mp4']
    prd = {}
    for name, c in zip(names, counts):
        base = rng.random(c)
        spread = rng.random(c) * 0.3
        p = np.clip(base[None] + spread[None] * rng.standard_normal((epochs, c)), 0, 1)
        prd[name] = np.stack([1 - p, p], -1).astype(np.float32)
    data_dict = dict(prd=prd, cls={}, mask={}, label={}, length=epochs)
    scope = dict(np=np, data_dict=data_dict, args=_args())
    exec(compile(code, 'main_umil.py:main (split block)', 'exec'), scope)  # noqa: S102
    return dict(names=names, counts=torch.tensor(counts),
                history=torch.from_numpy(np.concatenate([prd[n] for n in names], 1)),
                label=torch.from_numpy(np.concatenate([data_dict['label'][n] for n in names])
                                       .astype(np.int64)),
                mask=torch.from_numpy(np.concatenate([data_dict['mask'][n] for n in names])
                                      .astype(bool)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout')
    parser.add_argument('--out', default=GOLDEN)
    opts = parser.parse_args(argv)
    import os
    os.makedirs(opts.out, exist_ok=True)
    sys.path.insert(0, opts.checkout)
    _stub_modules()
    from utils import cluster  # noqa: E402  (the checkout's)
    if not hasattr(cluster, 'NCLMemory'):   # imported by main_umil.py, absent from cluster.py
        cluster.NCLMemory = None
    import main_umil  # noqa: E402
    main_umil.args = _args()
    main_umil.logger = logging.getLogger('umil_official')
    main_umil.AverageMeter = _Recorder
    torch.manual_seed(0)
    for name, fn in (('cluster', lambda: cluster_golden(cluster)),
                     ('mil', lambda: mil_golden(main_umil, cluster)),
                     ('umil_step', lambda: umil_golden(main_umil, cluster)),
                     ('split', lambda: split_golden(opts.checkout))):
        torch.save(fn(), osp.join(opts.out, f'training_{name}.pt'))
        print('wrote', osp.join(opts.out, f'training_{name}.pt'))


if __name__ == '__main__':
    main()
