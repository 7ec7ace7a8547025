"""Score-history bookkeeping at UCF-Crime size: ours (one preallocated array) vs the official
per-video dict of arrays concatenated every epoch (its bookkeeping pattern, re-written here).

    python packages/umil/benchmarks/score_history.py [--videos 1610] [--snippets 16] [--epochs 15]

Prints seconds per epoch (append + split) for 1/4, 1/2 and the full training set: linear
growth shows as a constant time per snippet.
"""
import argparse
import time

import numpy as np
from umil.split import ScoreHistory


def dict_pattern(counts, epochs, rng):
    """Per-video arrays grown with np.concatenate each epoch; the split re-concatenates all."""
    prd, t = {}, 0.0
    for e in range(epochs):
        scores = [rng.random((c, 2)).astype(np.float32) for c in counts]
        t0 = time.perf_counter()
        for v, s in enumerate(scores):
            prd[v] = s[None] if e == 0 else np.concatenate([prd[v], s[None]], 0)
        if e >= 1:
            his = np.concatenate(list(prd.values()), 1)
            his.mean(0).argmax(-1), his[:, :, 1].var(0)
        t += time.perf_counter() - t0
    return t / epochs


def ours(counts, epochs, rng):
    h = ScoreHistory(counts, epochs)
    normal = np.arange(len(counts)) % 2 == 0
    t = 0.0
    for e in range(epochs):
        scores = rng.random((sum(counts), 2)).astype(np.float32)
        t0 = time.perf_counter()
        h.append(scores)
        if e >= 1:
            h.split(normal)
        t += time.perf_counter() - t0
    return t / epochs


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--videos', type=int, default=1610)
    p.add_argument('--snippets', type=int, default=16)
    p.add_argument('--epochs', type=int, default=15)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    print('videos  snippets  ours s/epoch  us/snippet  dict-concat s/epoch  us/snippet')
    for frac in (0.25, 0.5, 1.0):
        n = int(a.videos * frac)
        counts = [a.snippets] * n
        o, d = ours(counts, a.epochs, rng), dict_pattern(counts, a.epochs, rng)
        s = n * a.snippets
        print(f'{n:6d} {s:9d} {o:13.4f} {1e6 * o / s:11.3f} {d:20.4f} {1e6 * d / s:11.3f}')


if __name__ == '__main__':
    main()
