"""Ours vs the official code on CPU at a small equal config: the peer-learning loss forward +
backward, and one training step of the two B-CNN peers (all layers, Adam).

    OMP_NUM_THREADS=1 python packages/peerlearning/benchmarks/bench_official.py \
        /path/to/weblyFG-dataset [--batch 8] [--size 64] [--classes 200] [--repeat 3]

The official step is ``main.py::train``'s loop body (not importable: ``main.py`` parses the
command line at import) driven here with the official ``BCNN`` and ``peer_learning_loss``:
two forwards, the loss, ``zero_grad / backward / step`` per network. Ours: ``PeerLearning``
``train_step`` with the ``OptimWrapperDict`` of the paper configs. Median of ``--repeat``.
"""
from __future__ import annotations

import argparse
import os.path as osp
import statistics
import sys
import time

import torch


def timed(fn, repeat):
    fn()   # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkout')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--classes', type=int, default=200)
    p.add_argument('--repeat', type=int, default=3)
    args = p.parse_args(argv)
    sys.path.insert(0, osp.abspath(args.checkout))
    import bcnn
    import loss_plm
    from cvshared.engine.optim import SubmoduleOptimWrapperConstructor
    from mmengine.registry import DefaultScope
    from mmpretrain.structures import DataSample
    from peerlearning.models import peer_learning_loss
    from peerlearning.registry import MODELS

    print(f'threads {torch.get_num_threads()}, batch {args.batch}, {args.size} x {args.size}, '
          f'{args.classes} classes')
    # 1. the loss, forward + backward, at the paper's batch (64) and class count (200)
    g = torch.Generator().manual_seed(0)
    l1 = torch.randn(64, args.classes, generator=g)
    l2 = l1 + torch.randn(64, args.classes, generator=g)
    labels = torch.randint(0, args.classes, (64,), generator=g)

    def loss_step(fn):
        a, b = l1.clone().requires_grad_(True), l2.clone().requires_grad_(True)
        out = fn(a, b, labels, 0.35)
        (out[0] + out[1]).backward()
    t_off = timed(lambda: loss_step(loss_plm.peer_learning_loss), 50)
    t_ours = timed(lambda: loss_step(peer_learning_loss), 50)
    print(f'loss fwd+bwd (64 x {args.classes}): official {t_off * 1e3:.2f} ms, '
          f'ours {t_ours * 1e3:.2f} ms')

    # 2. one train step of two B-CNN peers
    images = torch.rand(args.batch, 3, args.size, args.size)
    ys = torch.randint(0, args.classes, (args.batch,))
    nets = [bcnn.BCNN(n_classes=args.classes, pretrained=False, use_two_step=False)
            for _ in range(2)]
    opts = [torch.optim.Adam(n.parameters(), lr=1e-4, weight_decay=1e-5) for n in nets]

    def official_step():
        logits = [n(images) for n in nets]
        losses = loss_plm.peer_learning_loss(logits[0], logits[1], ys, 0.35)
        for opt, loss in zip(opts, losses):
            opt.zero_grad()
            loss.backward()
            opt.step()
    t_off = timed(official_step, args.repeat)
    net = dict(type='ImageClassifier',
               backbone=dict(type='VGG', depth=16, out_indices=(4,), with_last_pool=False),
               neck=dict(type='BilinearPooling'),
               head=dict(type='LinearClsHead', num_classes=args.classes, in_channels=512 * 512))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(
            type='PeerLearning', net1=net, drop_rate=0.35,
            data_preprocessor=dict(type='ClsDataPreprocessor', mean=[0.0] * 3, std=[1.0] * 3)))
        adam = dict(type='Adam', lr=1e-4, weight_decay=1e-5)
        wrapper = SubmoduleOptimWrapperConstructor(dict(
            net1=dict(modules=('net1',), optimizer=adam),
            net2=dict(modules=('net2',), optimizer=adam)))(model)
    model.train()
    data = dict(inputs=list(images),
                data_samples=[DataSample().set_gt_label(int(y)) for y in ys])
    t_ours = timed(lambda: model.train_step(data, wrapper), args.repeat)
    print(f'train step (2 x B-CNN, all layers): official {t_off:.2f} s, ours {t_ours:.2f} s')


if __name__ == '__main__':
    main()
