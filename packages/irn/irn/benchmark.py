"""Benchmark of IRN's semantic random walk (``propagate_to_edge``): the shared sparse
evaluation vs the official dense computation (``method='dense'``: dense ``n x n`` affinity,
``logt`` float32 squarings of the transition matrix, as ``misc/indexing.py`` does).

    python -m irn.benchmark --nodes 64 [--classes 3] [--threads 1] [--sparse-only]

``--nodes 128`` is the paper's resolution (512 x 512 image at stride 4, 16384 nodes; the dense
path needs 3 x 1 GiB matrices and ~3.5e13 flops).  Prints time, peak traced memory (CPU:
``tracemalloc`` does not see torch allocations, so the peak RSS growth is reported) and the
max difference of the two results.
"""
from __future__ import annotations

import argparse
import resource
import time

import torch
from cvshared.ops.affinity import propagate_to_edge


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(nodes: int, classes: int, seed: int = 0, methods=('sparse', 'dense')) -> dict:
    g = torch.Generator().manual_seed(seed)
    cams = torch.rand(classes, nodes, nodes, generator=g)
    edge = torch.rand(1, nodes, nodes, generator=g) ** 4
    out = {}
    for method in methods:  # sparse first: its peak is not hidden by dense's
        base = _rss_mib()
        t = time.perf_counter()
        rw = propagate_to_edge(cams, edge, radius=5, beta=10, exp_times=8, method=method)
        out[method] = dict(seconds=time.perf_counter() - t, peak_rss_growth_mib=_rss_mib() - base,
                           result=rw)
    if 'dense' in out and 'sparse' in out:
        out['max_abs_diff'] = float((out['sparse']['result'] - out['dense']['result']).abs().max())
        out['max_value'] = float(out['dense']['result'].abs().max())
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--nodes', type=int, default=64)
    p.add_argument('--classes', type=int, default=3)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--sparse-only', action='store_true',
                   help='skip the dense path (hours on a CPU at --nodes 128)')
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    methods = ('sparse',) if a.sparse_only else ('sparse', 'dense')
    r = run(a.nodes, a.classes, methods=methods)
    for m in methods:
        print(f"{m}: {r[m]['seconds']:.2f} s, "
              f"peak RSS growth {r[m]['peak_rss_growth_mib']:.0f} MiB")
    if 'max_abs_diff' in r:
        print(f"max |sparse - dense| = {r['max_abs_diff']:.3g} (max value {r['max_value']:.3g})")
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
