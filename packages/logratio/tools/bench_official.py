"""Ours vs the official code, interleaved A/B (the per-pair ratio survives machine load):

    python packages/logratio/tools/bench_official.py /path/to/official/checkout [--reps 30]

1. Loss forward + backward at the official batch (150 images: anchor + M = 149, d = 128):
   log-ratio, dense triplet, binary triplet (the official naive_train builds 720 triplets
   with a Python loop; its loss loops over them too).
2. Dense mining throughput (anchors / s) of ``mine_dense`` vs the official
   ``generate_pairs`` on neighbour lists of ``--num-images`` items, batch 150, num-NN 5.
Imports the official modules from the checkout (as tests/golden/make_golden.py does).
"""
from __future__ import annotations

import argparse
import importlib.util
import os.path as osp
import statistics
import sys
import time
import types

import numpy as np
import torch
from cvshared.harness import cuda_calls_on_cpu

HERE = osp.dirname(osp.abspath(__file__))


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def ab(ours, official, reps: int) -> dict:
    ours(), official()  # warm-up
    pairs = []
    for _ in range(reps):
        a, b = _timed(ours), _timed(official)
        pairs.append((a, b))
    return dict(ours_ms=1e3 * statistics.median(p[0] for p in pairs),
                official_ms=1e3 * statistics.median(p[1] for p in pairs),
                speedup=statistics.median(p[1] / p[0] for p in pairs))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout')
    parser.add_argument('--reps', type=int, default=30)
    parser.add_argument('--num-images', type=int, default=3000)
    args = parser.parse_args(argv)
    spec = importlib.util.spec_from_file_location(
        'make_golden', osp.join(HERE, '..', 'tests', 'golden', 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    from logratio.datasets import mine_dense
    from logratio.models import binary_triplet_loss, dense_triplet_loss, log_ratio_loss
    with cuda_calls_on_cpu():
        off = harness.official_modules(args.checkout)
        torch.manual_seed(0)
        embed = torch.randn(150, 128)
        normed = embed / embed.norm(dim=1, keepdim=True)
        gt = torch.sort(torch.rand(149) * 50 + 0.5).values

        def step(fn, x):
            def run():
                x_ = x.clone().requires_grad_(True)
                fn(x_).backward()
            return run

        def official_binary(x):
            # official naive_train: triplets filled one by one, then Naive_TripletLoss
            num_pos, num_neg = 5, 144
            trip = torch.FloatTensor(3, num_pos * num_neg, 128).fill_(0)
            for p in range(num_pos):
                for n in range(num_neg):
                    i = p * num_neg + n
                    trip[0, i], trip[1, i], trip[2, i] = x[0], x[1 + p], x[1 + num_pos + n]
            return off.Naive_TripletLoss().forward(trip)

        results = {
            'log-ratio': ab(step(lambda e: log_ratio_loss(e, gt), embed),
                            step(lambda e: off.LogRatioLoss().forward(e, gt), embed), args.reps),
            'dense triplet': ab(step(lambda e: dense_triplet_loss(e, 0.03), normed),
                                step(lambda e: off.Dense_TripletLoss().forward(e, gt), normed),
                                args.reps),
            'binary triplet': ab(step(lambda e: binary_triplet_loss(e, 5, 0.2), normed),
                                 step(official_binary, normed), max(3, args.reps // 10)),
        }
        n = args.num_images
        rng = np.random.RandomState(0)
        list_nn = np.stack([rng.permutation(n - 1) for _ in range(n)])
        list_nn += list_nn >= np.arange(n)[:, None]  # skip the anchor itself
        dist_nn = np.sort(rng.rand(n, n - 1), axis=1)
        fake = types.SimpleNamespace(num_NN=5, batch_size=150, list_nn={'trn': list_nn},
                                     dist_nn={'trn': dist_nn})
        imgs = [(f'img{i}', 0) for i in range(n)]
        import tqdm
        quiet = tqdm.trange
        sys.modules['Dense_PairDataset'].trange = lambda *a, **k: range(*a)
        mining = ab(lambda: mine_dense(list_nn, dist_nn, 5, 150, np.random.RandomState(1)),
                    lambda: off.Dense_PairDataset.generate_pairs(fake, True, imgs),
                    max(3, args.reps // 10))
        sys.modules['Dense_PairDataset'].trange = quiet
        mining['ours_anchors_per_s'] = n / (mining['ours_ms'] / 1e3)
        mining['official_anchors_per_s'] = n / (mining['official_ms'] / 1e3)
        results[f'dense mining, {n} images'] = mining
    for name, r in results.items():
        extra = ''.join(f', {k} {v:.0f}' for k, v in r.items() if k.endswith('per_s'))
        print(f"{name}: ours {r['ours_ms']:.3f} ms, official {r['official_ms']:.3f} ms, "
              f"speed-up x{r['speedup']:.2f} (median of per-pair ratios){extra}")
    print(f'threads {torch.get_num_threads()}, load {open("/proc/loadavg").read().split()[:3]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
