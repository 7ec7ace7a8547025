"""Helpers for the committed harnesses that run an official checkout on the CPU (the
``tests/golden/make_golden.py`` golden makers and the ours-vs-official benchmarks).

The official repositories are written for one GPU and call ``.cuda()`` on tensors and modules;
on a CPU machine (or a CUDA build of torch without a device) those calls raise. The harnesses
run the official code unchanged inside :func:`cuda_calls_on_cpu`, which turns the calls into
the identity for as long as the official code runs and restores torch afterwards.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = ['cuda_calls_on_cpu', 'time_interleaved', 'saved_for_backward_bytes']


@contextlib.contextmanager
def cuda_calls_on_cpu(sync: bool = False) -> Iterator[None]:
    """``Tensor.cuda()`` and ``Module.cuda()`` return their object unchanged inside the block;
    with ``sync``, ``torch.cuda.synchronize`` and ``torch.cuda.max_memory_allocated`` are no-ops
    (0) too, for official timing loops. Nothing is patched when a CUDA device is present."""
    if torch.cuda.is_available():
        yield
        return
    saved = (torch.Tensor.cuda, torch.nn.Module.cuda, torch.cuda.synchronize,
             torch.cuda.max_memory_allocated)
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    if sync:
        torch.cuda.synchronize = lambda *a, **k: None
        torch.cuda.max_memory_allocated = lambda *a, **k: 0
    try:
        yield
    finally:
        (torch.Tensor.cuda, torch.nn.Module.cuda, torch.cuda.synchronize,
         torch.cuda.max_memory_allocated) = saved


def time_interleaved(ours, official, rounds: int = 5, threads: int = 1) -> dict:
    """Time two step functions (ours, then the official one) in one process, alternately
    (A B A B ...), after one warm-up call each, so that a load change hits both sides of a pair;
    return the medians in ms, each pair's official/ours ratio and its median, the threads and
    the load average. Denormals are flushed on both sides (random-data training produces them,
    and a CPU step then runs 10-30x slower on either side)."""
    import os
    import statistics
    import time

    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    steps = dict(ours=ours, official=official)
    for fn in steps.values():
        fn()
    times = {k: [] for k in steps}
    for _ in range(rounds):
        for name, fn in steps.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    ratios = [o / u for o, u in zip(times['official'], times['ours'])]
    return dict(rounds=rounds, threads=torch.get_num_threads(),
                load=round(os.getloadavg()[0], 2),
                ours_ms=round(1e3 * statistics.median(times['ours']), 1),
                official_ms=round(1e3 * statistics.median(times['official']), 1),
                official_over_ours=round(statistics.median(ratios), 3),
                ratios=[round(r, 3) for r in ratios])


def saved_for_backward_bytes(step) -> tuple[object, int]:
    """Run ``step()`` and count the bytes of the tensors autograd saves for the backward pass
    (``torch.autograd.graph.saved_tensors_hooks``; a tensor saved twice counts once): the part
    of a loss's peak memory that grows with its pair matrices, which the process RSS hides
    under the imports at CPU sizes. Returns ``(step's value, bytes)``."""
    seen = {}

    def pack(t):
        seen[id(t)] = t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        value = step()
    return value, sum(seen.values())
