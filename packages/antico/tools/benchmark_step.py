"""Whole training step, ours against the official code, interleaved: forward, loss (AntiCo
``batch_proxy`` + Proxy Anchor), backward and the Adam step on one batch of random
224 x 224 images (default 8 = 4 classes x 2, the official 2-per-class sampler).

    PYTHONPATH=/path/to/pretrainedmodels python packages/antico/tools/benchmark_step.py
        /path/to/official/checkout [--batch 8] [--rounds 5] [--threads 1]

Ours: the model and optimizer wrapper of ``configs/antico/antico_r50_100e_cub.py``
(pretrained path dropped), ``model.train_step`` (its data preprocessor included). Official:
``architectures/resnet50.py::Network`` (``resnet50_frozen_normalize_double``, d = 512, built by
``pretrainedmodels`` with ``pretrained=None``) + ``criteria/antico.py::Criterion`` (100 classes,
the values of ``tests/golden/make_golden.py::OPTIONS``) imported from a private checkout
(``.cuda()`` made the identity), the param groups of ``main.py`` (network lr 1e-5, decay 4e-4;
proxies lr x2000) and ``torch.optim.Adam``. The official loop wraps the model in
``torch.compile`` and steps through a ``GradScaler`` (CUDA); here both run eager in float32,
without compile or AMP, and ``loss.backward(retain_graph=True)`` as it does. The two run in
turn (A B A B ...) after one warm-up step each, ``torch.set_flush_denormal(True)`` for both;
prints the medians and the median of the per-round ratios as one JSON line.
No official code is in this file.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
from types import SimpleNamespace

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(osp.dirname(HERE)))
CUB = osp.join(REPO, 'configs', 'antico', 'antico_r50_100e_cub.py')


def ours(batch: int):
    import antico  # noqa: F401  (registers)
    import torch
    from cvshared.engine.launch import drop_pretrained
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    cfg = Config.fromfile(CUB)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(drop_pretrained(cfg.model))
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (batch, 3, 224, 224), generator=gen, dtype=torch.uint8)
    labels = torch.arange(batch) // 2
    data = dict(inputs=list(images),
                data_samples=[DataSample().set_gt_label(int(y)) for y in labels])
    return lambda: model.train_step(data, wrapper)


def official(checkout: str, batch: int):
    import torch
    from cvshared.harness import cuda_calls_on_cpu
    sys.path.insert(0, osp.join(HERE, '..', 'tests', 'golden'))
    sys.path.insert(0, osp.abspath(checkout))
    from make_golden import OPTIONS
    with cuda_calls_on_cpu():
        from architectures.resnet50 import Network
        from criteria.antico import Criterion
        opt = SimpleNamespace(arch='resnet50_frozen_normalize_double', not_pretrained=True,
                              embed_dim=512, n_classes=100, antico_type='batch_proxy',
                              **OPTIONS)
        model = Network(opt)
        criterion = Criterion(opt)
    groups = [dict(params=model.parameters(), lr=opt.lr, weight_decay=4e-4)]
    groups += criterion.optim_dict_list
    optimizer = torch.optim.Adam(groups)
    model.train()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, 3, 224, 224, generator=gen)
    y = torch.arange(batch) // 2

    def step():
        optimizer.zero_grad(set_to_none=True)
        with cuda_calls_on_cpu():
            out = model(x=x, warmup=False)
            loss, _, _ = criterion(batch=out['embeds'], labels=y,
                                   avg_batch_features=out['avg_features'], epoch=0, wmup=0)
        loss.backward(retain_graph=True)
        optimizer.step()
    return step


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository checkout')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'criteria', 'antico.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no criteria/antico.py)')
    from cvshared.harness import time_interleaved
    result = time_interleaved(ours(args.batch), official(args.checkout, args.batch),
                              rounds=args.rounds, threads=args.threads)
    print(json.dumps(dict(batch=args.batch, **result)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
