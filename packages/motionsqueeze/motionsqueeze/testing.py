"""Harness around the official MotionSqueeze code (``resnet_TSM.py`` of a checkout of
``arunos728/MotionSqueeze``) for the golden files (``tests/golden/make_golden.py``) and the
benchmark (``motionsqueeze.benchmark``). It contains no official code: it imports the official
module from the checkout and patches, at run time only,

* ``spatial_correlation_sampler`` (the compiled CUDA extension, imported at module level by
  ``resnet_TSM.py``): a stub module whose sampler refuses to run; the official naive matching
  layer ``Matching_layer_mm`` (full ``(HW, HW)`` product + ``corr_abs_to_rel``) replaces
  ``ResNet.matching_layer`` (the commented-out alternative of the official ``ResNet.__init__``);
* ``device='cuda'`` in ``torch.zeros`` (``Matching_layer_mm.corr_abs_to_rel``) and
  ``Tensor.to('cuda')`` (``match_to_flow_soft``, ``apply_gaussian_kernel``): the CPU.
"""
from __future__ import annotations

import contextlib
import importlib
import os.path as osp
import sys
import types

import torch

OFFICIAL_COMMIT = 'e94684d05347a75dd1b487fe426e00b19b29bc93'
OFFICIAL_URL = 'https://github.com/arunos728/MotionSqueeze'


class _NoSampler:
    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        raise RuntimeError('the compiled spatial_correlation_sampler is not available here; the '
                           'harness uses the official Matching_layer_mm')


def _is_cuda(arg) -> bool:
    return (isinstance(arg, str) and arg.startswith('cuda')) or (
        isinstance(arg, torch.device) and arg.type == 'cuda')


class _TorchOnCPU(types.ModuleType):
    """``torch`` as the official module sees it (its ``tr``): ``device='cuda'`` -> CPU."""

    def __init__(self):
        super().__init__('torch_on_cpu')

    def __getattr__(self, name):
        attr = getattr(torch, name)
        if name in ('zeros', 'ones', 'arange', 'empty', 'tensor'):
            def on_cpu(*args, _f=attr, **kwargs):
                if _is_cuda(kwargs.get('device')):
                    kwargs['device'] = 'cpu'
                return _f(*args, **kwargs)
            return on_cpu
        return attr


@contextlib.contextmanager
def cpu_tensor_to():
    """``Tensor.to('cuda')`` is the identity while the official code runs (forward and
    backward)."""
    saved = torch.Tensor.to

    def to(self, *args, **kwargs):
        if (args and _is_cuda(args[0])) or _is_cuda(kwargs.get('device')):
            return self
        return saved(self, *args, **kwargs)
    torch.Tensor.to = to
    try:
        yield
    finally:
        torch.Tensor.to = saved


def import_official(checkout: str):
    """``resnet_TSM`` of the checkout, importable on a CPU machine (module docstring)."""
    if not osp.isfile(osp.join(checkout, 'resnet_TSM.py')):
        raise FileNotFoundError(f'{checkout} is not a checkout of {OFFICIAL_URL} '
                                f'(no resnet_TSM.py; expected commit {OFFICIAL_COMMIT})')
    sys.modules.setdefault('spatial_correlation_sampler', types.SimpleNamespace(
        SpatialCorrelationSampler=_NoSampler))
    path = osp.abspath(checkout)
    if path not in sys.path:
        sys.path.insert(0, path)
    module = importlib.import_module('resnet_TSM')
    module.tr = _TorchOnCPU()
    return module


def official_model(module, depth: int = 50, num_segments: int = 8, num_classes: int = 10):
    """Official ``ResNet`` (TSM, ``flow_estimation=1``) on the naive matching layer."""
    if depth == 18:
        model = module.ResNet(module.BasicBlock, module.BasicBlock, [2, 2, 2, 2], num_segments,
                              1, num_classes=num_classes)
    elif depth == 50:
        model = module.ResNet(module.Bottleneck, module.Bottleneck, [3, 4, 6, 3], num_segments,
                              1, num_classes=num_classes)
    else:
        raise ValueError(f'depth {depth}: the harness builds the official R18 or R50')
    model.matching_layer = module.Matching_layer_mm(patch=model.patch)
    return model


def official_block(model, x: torch.Tensor, temperature: float = 100.0) -> torch.Tensor:
    """The official MS module on a layer2 output: ``ResNet.forward``'s two MS lines."""
    with cpu_tensor_to():
        flow, confidence = model.flow_computation(x, temperature=temperature)
        return model.flow_refinement(flow, x, confidence)


def official_flow(model, x: torch.Tensor, temperature: float = 100.0):
    """Official ``flow_computation``: ``(flow (B(T-1), 2, H, W), confidence (B(T-1), 1, H, W))``."""
    with cpu_tensor_to():
        return model.flow_computation(x, temperature=temperature)


def official_logits(model, clips: torch.Tensor, num_segments: int) -> torch.Tensor:
    """Official ``ResNet.forward`` (temperature 100) + the TSN average consensus over the
    segments (``models.py`` ``TSN.forward`` with ``consensus_type='avg'``: the mean over the
    segment axis; the official ``SegmentConsensus`` is a legacy autograd Function that current
    PyTorch refuses, so the harness takes the mean). ``clips``: normalised ``(N*T, 3, H, W)``."""
    with cpu_tensor_to():
        out = model(clips, 100)  # (N*T, classes, 1)
    return out.view(-1, num_segments, out.shape[1]).mean(1)


# ---------------------------------------------------------------------------------------------
# Deterministic inputs and weights shared by the harness and tests/test_golden.py: both sides
# build the same tensors from seeds, so the golden files hold only outputs (and BN statistics).

def moving_texture(n_clips: int, t: int, c: int, h: int, w: int, step, seed: int,
                   noise: float = 0.05) -> torch.Tensor:
    """``(n_clips*t, c, h, w)``: a smooth random texture per clip (5x5 box-filtered noise),
    translated circularly by ``step[i] = (dy, dx)`` pixels per frame, plus Gaussian noise."""
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(seed)
    frames = []
    for i in range(n_clips):
        base = F.avg_pool2d(torch.randn(1, c, h + 4, w + 4, generator=g), 5, 1)[0]
        dy, dx = step[i % len(step)]
        frames += [base.roll((k * dy, k * dx), dims=(1, 2)) for k in range(t)]
    x = torch.stack(frames)
    return x + noise * torch.randn(x.shape, generator=g)


def golden_weights(shapes: dict, seed: int, scale: float = 0.3, keys=None) -> dict:
    """Weights by sorted OFFICIAL key (key ``i`` from generator ``seed + i``): conv / linear
    weights Kaiming-normal ``fan_out`` (``sqrt(2 / fan_out)``, the official init's scale),
    BN weights ``1 + scale N``, biases and running means ``scale N``, running variances
    ``exp(scale N)``, ``num_batches_tracked`` 0. ``shapes``: name -> shape (all keys of the
    model: they fix the ranks); ``keys``: build only these (default all)."""
    out = {}
    for i, key in enumerate(sorted(shapes)):
        if keys is not None and key not in keys:
            continue
        shape = tuple(shapes[key])
        if key.endswith('num_batches_tracked'):
            out[key] = torch.tensor(0)
            continue
        n = torch.randn(shape, generator=torch.Generator().manual_seed(seed + i))
        if key.endswith('running_var'):
            out[key] = torch.exp(scale * n)
        elif key.endswith(('running_mean', 'bias')):
            out[key] = scale * n
        elif len(shape) == 1:  # BN weight
            out[key] = 1 + scale * n
        else:
            fan_out = shape[0] * (shape[2] * shape[3] if len(shape) == 4 else 1)
            out[key] = n * (2.0 / fan_out) ** 0.5
    return out


def whole_raw_clips() -> torch.Tensor:
    """Raw pixel clips of the whole-forward golden: ``(2, 8, 3, 112, 112)`` in 0..255 (before
    normalisation), two moving textures (3 px right; 2 px down and 1 px left per frame)."""
    raw = moving_texture(2, 8, 3, 112, 112, step=[(0, 3), (2, -1)], seed=5)
    return (raw * 60 + 128).clamp(0, 255).round().view(2, 8, 3, 112, 112)


def block_inputs() -> torch.Tensor:
    """Layer2 output of the MS-module golden: ``(2 clips x 4 frames, 128, 8, 10)``, ReLU'd."""
    return moving_texture(2, 4, 128, 8, 10, step=[(0, 1), (-1, 2)], seed=2).relu()


BLOCK_CHANNELS = slice(0, None, 4)  # stored output / input-grad channels of ms_block.pt
