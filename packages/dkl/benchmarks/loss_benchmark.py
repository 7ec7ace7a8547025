"""Forward + backward of the IKL loss at ImageNet's C = 1000: our O(B C) rank-1 form against
the naive O(B C^2) form and the official ``dkl_loss`` (``IKL_KD.py``, GI on: the KD setting
of the ImageNet configs), CPU, one thread.

    OMP_NUM_THREADS=1 python packages/dkl/benchmarks/loss_benchmark.py [--official CHECKOUT]
        [--batch 512] [--naive-batch 32]

The B x C x C tensors of the naive and official forms at B = 512 are 512M floats each (2 GB,
several alive at once for the backward): they are timed at ``--naive-batch`` and scaled
linearly in B (their cost is exactly linear in B: independent per-sample C x C blocks), and
the scaling is printed. Ours is timed at the full batch.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
import time

import torch

HERE = osp.dirname(osp.abspath(__file__))


def _time(fn, repeats: int) -> float:
    fn()                                   # warm-up
    t = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - t) / repeats


def _step(loss_fn, b: int, c: int):
    g = torch.Generator().manual_seed(0)
    o_t = 3 * torch.randn(b, c, generator=g)
    o_s = (3 * torch.randn(b, c, generator=g)).requires_grad_()
    labels = torch.randint(0, c, (b,), generator=g)
    prior = torch.softmax(2 * torch.randn(c, c, generator=g), 1)

    def run():
        o_s.grad = None
        loss_fn(o_s, o_t, labels, prior).backward()
    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--official', help='a checkout of jiequancui/DKL (optional)')
    parser.add_argument('--batch', type=int, default=512)
    parser.add_argument('--naive-batch', type=int, default=32)
    parser.add_argument('--classes', type=int, default=1000)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    from dkl.models.losses import ikl_loss, ikl_loss_naive
    c, b, nb = args.classes, args.batch, args.naive_batch

    def ours(o_s, o_t, y, p):
        return ikl_loss(o_t, o_s, 1.0, 0.5, 1.0, class_prior=p, labels=y)

    def naive(o_s, o_t, y, p):
        return ikl_loss_naive(o_t, o_s, 1.0, 0.5, 1.0, class_prior=p, labels=y)

    rows = [('ours, rank-1 O(B C)', _time(_step(ours, b, c), args.repeats), b)]
    rows.append(('ours, naive O(B C^2)', _time(_step(naive, nb, c), args.repeats) * b / nb, nb))
    if args.official:
        sys.path.insert(0, osp.join(HERE, '..', 'tests', 'golden'))
        from make_golden import KD_FILE, official_function
        official = official_function(args.official, KD_FILE)

        def off(o_s, o_t, y, p):
            prior = torch.nn.functional.one_hot(y, c).float() @ p
            return official(o_s, o_t, 1.0, 1.0, 0.5, prior, True, 1.0)
        rows.append(('official dkl_loss (IKL_KD.py)',
                     _time(_step(off, nb, c), args.repeats) * b / nb, nb))
    print(f'C = {c}, batch {b}, forward + backward, CPU, {torch.get_num_threads()} thread')
    for name, seconds, timed_at in rows:
        note = '' if timed_at == b else f' (timed at batch {timed_at}, x {b / timed_at:g})'
        ratio = seconds / rows[0][1]
        print(f'  {name:32s} {seconds * 1e3:10.1f} ms{note}   {ratio:7.1f}x ours')
    return 0


if __name__ == '__main__':
    sys.exit(main())
