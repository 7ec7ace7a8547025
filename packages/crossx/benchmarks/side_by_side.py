"""Ours vs the official Cross-X on the CPU at one small equal setting.

    OMP_NUM_THREADS=1 python packages/crossx/benchmarks/side_by_side.py /tmp/official/CrossX

1. The losses' forward + backward (C3S of the three branches + the two KL terms) on random
   pooled part features: B = 32, P = 2, D = 2048 (ulti) / 1024 (plty, cmbn), 200 classes.
2. One SGD training step (forward, the whole loss, backward, step) of the whole model:
   ResNet-50 with OSME, 200 classes, batch 4 at 112 x 112 (the official fusion size 28 is
   routed to the 7 x 7 stage-3 map by the golden harness's run-time patch), the same weights.
Prints the median of ``--repeat`` timed runs after two warm-ups (threads: torch's setting).
"""
from __future__ import annotations

import argparse
import os.path as osp
import statistics
import sys
import time

import torch

HERE = osp.dirname(osp.abspath(__file__))


def timed(fn, repeat):
    for _ in range(2):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout')
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, osp.abspath(args.checkout))
    sys.path.insert(0, osp.join(HERE, '..', 'tests', 'golden'))
    import crossxresnetmix as off
    import make_golden
    from crossx.convert import convert
    from crossx.models import c3s_loss, cross_layer_kl
    from crossx.registry import MODELS
    from mmengine.registry import DefaultScope
    from mmpretrain.structures import DataSample

    torch.manual_seed(0)
    b, c = 32, 200
    fu = [torch.randn(b, 2048, requires_grad=True) for _ in range(2)]
    fp = [torch.randn(b, 1024, requires_grad=True) for _ in range(2)]
    fc = [torch.randn(b, 1024, requires_grad=True) for _ in range(2)]
    logits = [torch.randn(b, c, requires_grad=True) for _ in range(3)]
    labels = torch.randint(0, c, (b, ))

    def ours_loss():
        loss = (c3s_loss(fu, 0.5) + c3s_loss(fp, 0.25) + c3s_loss(fc, 0.5)
                + cross_layer_kl(logits[0], logits[1:]))
        loss.backward()

    def official_loss():
        outs = (*logits, list(fu), list(fp), list(fc))
        terms = make_golden.official_loss(off, outs, labels, (0.5, 0.25, 0.5))
        (sum(terms.values()) - terms['cls']).backward()

    print(f'threads {torch.get_num_threads()}')
    print(f'losses fwd+bwd  ours {1e3 * timed(ours_loss, args.repeat):8.2f} ms   '
          f'official {1e3 * timed(official_loss, args.repeat):8.2f} ms')

    make_golden.patch_fusion_size(off, 7)
    official = off.ResNet(off.Bottleneck, [3, 4, 6, 3], nparts=2, meflag=True, num_classes=c)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        ours = MODELS.build(dict(type='ImageClassifier',
                                 backbone=dict(type='CrossXResNet', depth=50),
                                 head=dict(type='CrossXHead', num_classes=c)))
    ours.load_state_dict(convert(official.state_dict()), strict=True)
    x = torch.randn(4, 3, 112, 112)
    y = torch.randint(0, c, (4, ))
    samples = [DataSample().set_gt_label(int(v)) for v in y]
    opt_o = torch.optim.SGD(official.parameters(), lr=1e-4, momentum=0.9)
    opt_u = torch.optim.SGD(ours.parameters(), lr=1e-4, momentum=0.9)

    def official_step():
        opt_o.zero_grad()
        terms = make_golden.official_loss(off, official(x), y, (0.5, 0.25, 0.5))
        sum(terms.values()).backward()
        opt_o.step()

    def ours_step():
        opt_u.zero_grad()
        sum(ours(x, samples, mode='loss').values()).backward()
        opt_u.step()

    official.train(), ours.train()
    print(f'train step      ours {timed(ours_step, args.repeat):8.3f} s    '
          f'official {timed(official_step, args.repeat):8.3f} s')


if __name__ == '__main__':
    main()
