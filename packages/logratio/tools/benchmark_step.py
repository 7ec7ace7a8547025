"""Whole training step, ours against the official code, interleaved: forward, log-ratio loss,
backward and the SGD step on one mined minibatch (anchor + ``--batch`` - 1 neighbours) of
random 224 x 224 images.

    python packages/logratio/tools/benchmark_step.py /path/to/official/checkout
        [--batch 16] [--rounds 5] [--threads 1]

Ours: the model and optimizer wrapper of ``configs/logratio/logratio_resnet34_30e_mpii-pose.py``
(ImageNet file dropped), ``model.train_step`` on what ``dense_triplet_collate`` yields for one
mined minibatch (data preprocessor included). Official: ``code/model.py::PoseModel_Resnet34(128,
pretrained=False, is_norm=False)`` + ``code/LogRatioLoss.py::LogRatioLoss`` imported from a
private checkout (as ``tests/golden/make_golden.py`` does) and the SGD of ``main.py``
(``create_optimizer``: lr 0.01, momentum 0.9, weight decay 5e-4), the step of its ``train``
(zero_grad, forward, loss, backward, step). The two run in turn (A B A B ...) after one warm-up
step each, ``torch.set_flush_denormal(True)`` for both; prints the medians and the median of
the per-round ratios as one JSON line. No official code is in this file.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(osp.dirname(HERE)))
CFG = osp.join(REPO, 'configs', 'logratio', 'logratio_resnet34_30e_mpii-pose.py')


def _gt_dist(batch: int):
    import torch
    gen = torch.Generator().manual_seed(1)
    return torch.sort(torch.rand(batch - 1, generator=gen) * 50 + 0.5).values


def ours(batch: int):
    import torch
    from logratio.datasets import dense_triplet_collate
    from logratio.registry import MODELS
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmpretrain.structures import DataSample
    cfg = Config.fromfile(CFG)
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (batch, 3, 224, 224), generator=gen, dtype=torch.uint8)
    gt = [0.0] + _gt_dist(batch).tolist()   # the anchor first
    samples = []
    for d in gt:
        samples.append(DataSample())
        samples[-1].set_field(d, 'gt_dist')
    data = dense_triplet_collate([dict(inputs=list(images), data_samples=samples)])
    return lambda: model.train_step(data, wrapper)


def official(checkout: str, batch: int):
    import torch
    spec = importlib.util.spec_from_file_location(
        'make_golden', osp.join(HERE, '..', 'tests', 'golden', 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    from cvshared.harness import cuda_calls_on_cpu
    with cuda_calls_on_cpu():
        off = harness.official_modules(checkout)
        model = off.PoseModel_Resnet34(128, pretrained=False, is_norm=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    model.train()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, 3, 224, 224, generator=gen)
    gt = _gt_dist(batch)

    def step():
        optimizer.zero_grad()
        with cuda_calls_on_cpu():
            _, embed = model.forward(x)
            loss = off.LogRatioLoss().forward(embed, gt)
        loss.backward()
        optimizer.step()
    return step


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository checkout')
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'code', 'LogRatioLoss.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no code/LogRatioLoss.py)')
    if args.batch < 3:
        parser.error('--batch must be at least 3 (anchor + 2 neighbours)')
    from cvshared.harness import time_interleaved
    result = time_interleaved(ours(args.batch), official(args.checkout, args.batch),
                              rounds=args.rounds, threads=args.threads)
    print(json.dumps(dict(batch=args.batch, **result)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
