"""Whole training step, ours against the official code, interleaved: forward, loss, backward,
gradient clipping (value 10) and the AdamW step on one batch of random 224 x 224 images.

    python packages/proxyanchor/tools/benchmark_step.py /path/to/official/checkout
        [--batch 8] [--rounds 5] [--threads 1]

Ours: the model and optimizer wrapper of ``configs/proxyanchor/proxyanchor_r50_60e_cub.py``
(pretrained path dropped), ``model.train_step`` (its data preprocessor included). Official:
``code/net/resnet.py::Resnet50(512)`` + ``code/losses.py::Proxy_Anchor(100, 512)`` imported
from a private checkout (``.cuda()`` made the identity by ``cvshared.harness.cuda_calls_on_cpu``),
the param groups and AdamW of ``code/train.py`` (proxies lr x100), BatchNorm in eval mode and,
as after its warm-up epochs, every parameter trainable (the official loop re-enables the BN
affine parameters; ours keeps them frozen, see the README). The two run in turn (A B A B ...)
after one warm-up step each; prints the medians and the median of the per-round ratios as one
JSON line. No official code is in this file.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(osp.dirname(HERE)))
CUB = osp.join(REPO, 'configs', 'proxyanchor', 'proxyanchor_r50_60e_cub.py')


def ours(batch: int):
    import proxyanchor  # noqa: F401  (registers)
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
    sys.path.insert(0, osp.join(osp.abspath(checkout), 'code'))
    from cvshared.harness import cuda_calls_on_cpu as cpu_only
    with cpu_only():
        from losses import Proxy_Anchor
        from net.resnet import Resnet50
        model = Resnet50(embedding_size=512, pretrained=False, is_norm=True, bn_freeze=True)
        criterion = Proxy_Anchor(nb_classes=100, sz_embed=512, mrg=0.1, alpha=32)
    embedding = set(model.model.embedding.parameters())
    groups = [dict(params=[p for p in model.parameters() if p not in embedding]),
              dict(params=list(model.model.embedding.parameters()), lr=1e-4),
              dict(params=list(criterion.parameters()), lr=1e-4 * 100)]
    opt = torch.optim.AdamW(groups, lr=1e-4, weight_decay=1e-4)
    model.train()
    for m in model.model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
    for p in model.parameters():
        p.requires_grad_(True)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, 3, 224, 224, generator=gen)
    y = torch.arange(batch) // 2

    def step():
        with cpu_only():
            loss = criterion(model(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(model.parameters(), 10)
        torch.nn.utils.clip_grad_value_(criterion.parameters(), 10)
        opt.step()
    return step


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository checkout')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'code', 'net', 'resnet.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no code/net/resnet.py)')
    from cvshared.harness import time_interleaved
    result = time_interleaved(ours(args.batch), official(args.checkout, args.batch),
                              rounds=args.rounds, threads=args.threads)
    print(json.dumps(dict(batch=args.batch, **result)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
