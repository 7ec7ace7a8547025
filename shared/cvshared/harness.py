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

__all__ = ['cuda_calls_on_cpu']


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
