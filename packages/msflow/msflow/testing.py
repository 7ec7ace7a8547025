"""Deterministic weights for the golden tests (shared by ``tests/test_golden.py`` and the
harness ``tests/golden/make_golden.py``, which fills the official modules with them).

Every tensor is a function of its **official** state-dict name, its shape and a seed only, so
the official code and ours get the same weights without storing them (a ResNet-18 extractor
and the paper-size flows are tens of megabytes). The scales are chosen so that every part
matters: convolutions have gain 1.5 / sqrt(fan_in) (FrEIA's couplings then move the features
by O(1), not the near-identity of a fresh init), norms and biases are perturbed, BatchNorm
statistics are positive and non-trivial, global affine scales spread around 1, and the fixed
permutations are random.
"""
from __future__ import annotations

import math
import zlib

import torch

#: SOFTPLUS global-affine parameter whose activation 0.1 * softplus_0.5(a) is 1 (FrEIA's init).
_SOFTPLUS_ONE = 2.0 * math.log(math.exp(5.0) - 1.0)


def _gen(name: str, seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(name.encode()))


def _perm(prefix: str, n: int, seed: int) -> torch.Tensor:
    return torch.randperm(n, generator=_gen(prefix + '#perm', seed))


GAINS = {'extractor': 1.5, 'parallel_subnet': 2.0, 'fusion_mix': 1.0, 'fusion_heads': 0.3}


def gain(name: str) -> float:
    """Weight gain by role, from the official name (extractor / parallel / fusion flow)."""
    if 'module_list' not in name:
        return GAINS['extractor']
    if '.subnet_' in name:
        return GAINS['fusion_heads' if ('conv_s' in name or 'conv_t' in name)
                     else 'fusion_mix']
    return GAINS['parallel_subnet']


def seeded_tensor(name: str, like: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """The golden value of the tensor called ``name`` (official naming) shaped as ``like``."""
    shape, g = tuple(like.shape), _gen(name, seed)
    leaf = name.rsplit('.', 1)[-1]
    prefix = name[:-len(leaf)]
    if leaf in ('w_perm', 'w_perm_inv'):  # AllInOneBlock hard permutation as a 1x1 conv
        p = _perm(prefix, shape[0], seed)
        w = torch.zeros(shape[0], shape[1])
        w[torch.arange(shape[0]), p] = 1.0
        return (w.T if leaf == 'w_perm_inv' else w).reshape(shape).to(like.dtype)
    if leaf in ('perm', 'perm_inv'):  # PermuteRandom
        p = _perm(prefix, shape[0], seed)
        return (torch.argsort(p) if leaf == 'perm_inv' else p).to(like.dtype)
    if not like.is_floating_point():  # num_batches_tracked
        return like.clone()
    x = torch.randn(shape, generator=g)
    if leaf == 'global_scale':
        return (_SOFTPLUS_ONE + x).to(like.dtype)
    if leaf == 'running_var':
        return (0.5 + torch.rand(shape, generator=g)).to(like.dtype)
    if leaf == 'weight' and len(shape) == 1:  # BatchNorm / LayerNorm gain
        return (1.0 + 0.2 * x).to(like.dtype)
    if len(shape) >= 2:  # conv / linear weights
        fan_in = math.prod(shape[1:])
        return (gain(name) / math.sqrt(fan_in) * x).to(like.dtype)
    return (0.1 * x).to(like.dtype)  # biases, offsets, running means


def seeded_state(state: dict, seed: int = 0) -> dict:
    """``{name: seeded_tensor(name, value, seed)}`` for a state dict in official naming."""
    return {k: seeded_tensor(k, v, seed) for k, v in state.items()}
