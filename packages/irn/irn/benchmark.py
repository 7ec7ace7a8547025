"""Benchmark of IRN's semantic random walk (``propagate_to_edge``): the shared sparse
evaluation vs the dense computation of the official code.

    python -m irn.benchmark --height 94 --width 125 [--classes 3] [--threads 2] \
        [--methods sparse,dense] [--official /path/to/irn_checkout]

Methods: ``sparse`` (ours, ``cvshared.ops.affinity.random_walk``), ``dense`` (the shared
re-implementation of the official dense path, ``method='dense'``: dense ``n x n`` affinity,
``exp_times`` float32 squarings of the transition matrix) and, with ``--official``, ``official``:
``misc/indexing.py::propagate_to_edge`` imported from an official checkout (its ``.cuda()``
calls are made no-ops while it runs when no GPU is present; nothing of it is copied here).
Every method runs on the same seeded CAMs and boundary map, each in a fresh spawned process,
so its peak memory is that process's peak RSS (``ru_maxrss``) minus its RSS after the inputs
were built (``tracemalloc`` does not see torch's allocations).  A VOC image of 500 x 375 at
IRN's stride 4 is 125 x 94 nodes (11 750; the paper's resolution); ``--nodes N`` is a square
grid.  Prints time, peak memory growth and the max difference to the first method.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import time

import torch
from cvshared.harness import cuda_calls_on_cpu
from cvshared.ops.affinity import propagate_to_edge

METHODS = ('sparse', 'dense', 'official')


def make_inputs(height: int, width: int, classes: int, seed: int = 0):
    """Seeded CAMs ``(C, H, W)`` in [0, 1) and a boundary map ``(1, H, W)`` (mostly low)."""
    g = torch.Generator().manual_seed(seed)
    cams = torch.rand(classes, height, width, generator=g)
    edge = torch.rand(1, height, width, generator=g) ** 4
    return cams, edge


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _official_propagate(checkout: str):
    if checkout not in sys.path:
        sys.path.insert(0, checkout)
    try:
        from misc import indexing  # the official misc/indexing.py
    except ImportError as e:
        raise SystemExit(f'--official {checkout}: no misc/indexing.py there ({e}); give the '
                         'root of a jiwoon-ahn/irn checkout') from e
    return indexing.propagate_to_edge


def run_method(method: str, height: int, width: int, classes: int = 3, seed: int = 0,
               threads: int | None = None, official: str | None = None,
               flush_denormal: bool = False) -> dict:
    """One method in this process: ``seconds``, ``peak_rss_growth_mib``, ``result``.
    ``flush_denormal``: ``torch.set_flush_denormal(True)`` first (the dense squarings meet
    float32 denormals, which x86 CPUs compute ~25x slower)."""
    if threads:
        torch.set_num_threads(threads)
    if flush_denormal:
        torch.set_flush_denormal(True)
    cams, edge = make_inputs(height, width, classes, seed)
    if method == 'official':
        if not official:
            raise ValueError("method 'official' needs the path of an official checkout")
        fn = _official_propagate(official)
    elif method not in METHODS:
        raise ValueError(f'method must be one of {METHODS}, got {method!r}')
    base = _rss_mib()
    t = time.perf_counter()
    with torch.no_grad():
        if method == 'official':
            with cuda_calls_on_cpu():
                rw = fn(cams, edge, radius=5, beta=10, exp_times=8)
        else:
            rw = propagate_to_edge(cams, edge, radius=5, beta=10, exp_times=8, method=method)
    seconds = time.perf_counter() - t
    return dict(seconds=seconds, peak_rss_growth_mib=_rss_mib() - base, result=rw.float())


def _child(queue, *args):
    try:
        out = run_method(*args)
        out['result'] = out['result'].numpy()  # plain pickle: torch shares tensors by fd
        queue.put(out)
    except BaseException as e:  # report, do not hang the parent
        queue.put(e)


def measure(method: str, height: int, width: int, classes: int = 3, seed: int = 0,
            threads: int | None = None, official: str | None = None,
            flush_denormal: bool = False) -> dict:
    """:func:`run_method` in a fresh spawned process (a clean peak RSS)."""
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, method, height, width, classes, seed,
                                            threads, official, flush_denormal))
    proc.start()
    out = queue.get()
    proc.join()
    if isinstance(out, BaseException):
        raise out
    out['result'] = torch.from_numpy(out['result'])
    return out


def run(nodes: int | None = None, classes: int = 3, seed: int = 0,
        methods=('sparse', 'dense'), height: int | None = None, width: int | None = None,
        official: str | None = None, threads: int | None = None, spawn: bool = False) -> dict:
    """Every method on the same inputs; ``max_abs_diff`` = max over methods of the difference
    to the first method, ``max_value`` = max of the first method's result."""
    height = height or nodes
    width = width or nodes
    call = measure if spawn else run_method
    out = {m: call(m, height, width, classes, seed, threads, official) for m in methods}
    ref = out[methods[0]]['result']
    if len(methods) > 1:
        out['max_abs_diff'] = max(float((out[m]['result'] - ref).abs().max())
                                  for m in methods[1:])
        out['max_value'] = float(ref.abs().max())
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--nodes', type=int, default=64, help='square grid (default 64)')
    p.add_argument('--height', type=int, help='grid rows (overrides --nodes)')
    p.add_argument('--width', type=int, help='grid columns (overrides --nodes)')
    p.add_argument('--classes', type=int, default=3)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--methods', default=None,
                   help="comma list of sparse, dense, official (default sparse,dense; "
                        "sparse,official with --official)")
    p.add_argument('--official', help='root of a jiwoon-ahn/irn checkout (for official)')
    p.add_argument('--sparse-only', action='store_true', help='only the sparse walk')
    p.add_argument('--flush-denormal', action='store_true',
                   help='torch.set_flush_denormal(True) in every method (the dense squarings '
                        'hit float32 denormals, slow on x86 CPUs)')
    a = p.parse_args(argv)
    if a.methods:
        methods = tuple(m.strip() for m in a.methods.split(','))
    elif a.sparse_only:
        methods = ('sparse',)
    else:
        methods = ('sparse', 'official') if a.official else ('sparse', 'dense')
    h, w = a.height or a.nodes, a.width or a.nodes
    print(f'grid {h} x {w} = {h * w} nodes, {a.classes} classes, {a.threads} thread(s), '
          f'seed {a.seed}, flush denormals {a.flush_denormal}', flush=True)
    r = {}
    for m in methods:
        r[m] = measure(m, h, w, a.classes, a.seed, a.threads, a.official, a.flush_denormal)
        print(f"{m}: {r[m]['seconds']:.2f} s, peak RSS growth "
              f"{r[m]['peak_rss_growth_mib']:.0f} MiB", flush=True)
        ref = r[methods[0]]['result']
        if m != methods[0]:  # at once: a later method may run for hours
            d = float((r[m]['result'] - ref).abs().max())
            print(f'max |{methods[0]} - {m}| = {d:.3g} (max value {float(ref.abs().max()):.3g})',
                  flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
