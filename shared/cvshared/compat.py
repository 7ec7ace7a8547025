"""Fixes for the pinned OpenMMLab stack, each applied once, in this one place.

1. Checkpoints under torch >= 2.6. ``torch.load`` defaults to ``weights_only=True`` and rejects
   the metadata that mmengine 0.10.7 stores beside the weights (its ``HistoryBuffer`` in the
   message hub, numpy arrays, scalars and dtypes), so ``Runner(resume=True)`` and ``load_from``
   fail. We keep the safe loader on and allow-list exactly those classes
   (``torch.serialization.add_safe_globals``); nothing else becomes loadable. A
   ``HistoryBuffer`` also pickles its statistic functions as ``getattr(HistoryBuffer, 'min')``;
   allowing the builtin ``getattr`` would reopen arbitrary code execution, so the pickle's
   ``getattr`` is bound to :func:`_history_buffer_getattr`, which resolves only those names.
2. mmaction2 1.2.0 on PyPI ships ``mmaction/models/localizers/__init__.py`` importing
   ``.drn.drn.DRN`` but neither its wheel nor its sdist contains the ``drn`` subpackage, so
   ``import mmaction.models`` fails. We register placeholder modules for exactly that
   subpackage before mmaction imports it; the placeholder ``DRN`` raises a clear error if a
   config ever builds it (no paper here uses the DRN localizer). If a later mmaction2 release
   ships the subpackage, the real one is used and nothing is patched.

3. torch.distributed on CPU-only machines. mmengine's pytorch launcher always calls
   ``torch.cuda.set_device`` and wraps the model in DDP with ``device_ids=[LOCAL_RANK]``; both
   fail without a GPU, so ``tools/dist_train.sh`` could not even be smoke-tested on CPU (gloo).
   When CUDA is unavailable we skip ``set_device`` and pass ``device_ids=None`` for CPU
   modules, which is what DDP requires there; on a GPU machine nothing changes. A config that
   asks for ``nccl`` (the runtime bases do) gets ``gloo`` on a CPU-only machine, with a log line.
4. One loader for every checkpoint. mmengine reads local checkpoints (``load_from``,
   ``resume``, ``init_cfg=dict(type='Pretrained')``) with ``torch.load(filename,
   map_location)``, which under torch 2.13 means ``weights_only=True`` (tests/
   test_checkpoint_safety.py checks it). We register :func:`cvshared.checkpoint.
   load_checkpoint_file` as mmengine's loader for local paths, so those loads also get its
   errors that name the file (a crafted pickle, random bytes).

:func:`apply` is idempotent and runs on ``import cvshared``.
"""
from __future__ import annotations

import importlib.util
import sys
import types

_APPLIED = False

DRN_MODULES = ('mmaction.models.localizers.drn', 'mmaction.models.localizers.drn.drn')


def mmengine_checkpoint_safe_globals() -> list:
    """The classes mmengine 0.10.7 pickles into a checkpoint besides tensors.

    Found by saving a Runner checkpoint (message hub, numpy metrics, scheduler state) and
    loading it with ``weights_only=True`` until it loaded; ``tests`` re-check it by resuming.
    """
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer

    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    dtype_classes = [obj for obj in vars(np.dtypes).values()
                     if isinstance(obj, type) and issubclass(obj, np.dtype)]
    return [HistoryBuffer, np.ndarray, np.dtype, multiarray._reconstruct,
            multiarray.scalar, *dtype_classes]


def _history_buffer_getattr(obj, name: str):
    """``getattr`` for unpickling, limited to ``HistoryBuffer``'s statistic functions."""
    import pickle

    from mmengine.logging.history_buffer import HistoryBuffer

    if obj is HistoryBuffer and name in HistoryBuffer._statistics_methods:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'weights_only checkpoint loading refuses getattr({obj!r}, {name!r}); only '
        'HistoryBuffer statistic methods are allow-listed by cvshared.compat.')


def allow_mmengine_checkpoints() -> None:
    """Allow-list mmengine's checkpoint metadata for ``torch.load(weights_only=True)``."""
    import torch
    from mmengine.logging.history_buffer import HistoryBuffer

    HistoryBuffer()  # registers the built-in statistics (min, max, current, mean)
    torch.serialization.add_safe_globals(
        [*mmengine_checkpoint_safe_globals(),
         (_history_buffer_getattr, 'builtins.getattr'),
         (_history_buffer_getattr, '__builtin__.getattr')])


class _MissingDRN:
    """Stands in for mmaction2's DRN localizer, which mmaction2 1.2.0's wheel lacks."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            "mmaction2 1.2.0 from PyPI ships without 'mmaction.models.localizers.drn', so the "
            'DRN localizer cannot be built. No package of this repository needs it; to use it, '
            'install mmaction2 from its git source, which contains the subpackage.')


def _drn_subpackage_missing() -> bool:
    if 'mmaction.models.localizers.drn' in sys.modules:
        return False
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return False  # mmaction2 not installed: nothing to patch
    from pathlib import Path
    root = Path(list(spec.submodule_search_locations)[0])
    return not (root / 'models' / 'localizers' / 'drn' / 'drn.py').exists()


def patch_mmaction_drn() -> bool:
    """Insert placeholder modules for mmaction2's missing DRN subpackage; True if patched."""
    if not _drn_subpackage_missing():
        return False
    pkg = types.ModuleType(DRN_MODULES[0])
    pkg.__path__ = []  # a package, so that ``.drn.drn`` resolves
    pkg.__doc__ = 'Placeholder from cvshared.compat (absent from the mmaction2 1.2.0 wheel).'
    mod = types.ModuleType(DRN_MODULES[1])
    mod.DRN = _MissingDRN
    pkg.drn = mod
    sys.modules[DRN_MODULES[0]] = pkg
    sys.modules[DRN_MODULES[1]] = mod
    return True


def enable_cpu_distributed() -> None:
    """Let mmengine's pytorch launcher and DDP wrapper run on CPU (gloo) when CUDA is absent."""
    import torch
    from mmengine.dist import utils as dist_utils
    from mmengine.model.wrappers import distributed as mm_ddp

    if getattr(dist_utils._init_dist_pytorch, '_cvshared_cpu', False):
        return
    original_init_dist = dist_utils._init_dist_pytorch

    def _init_dist_pytorch(backend, init_backend='torch', **kwargs):
        if torch.cuda.is_available():
            return original_init_dist(backend, init_backend=init_backend, **kwargs)
        if backend == 'nccl':
            from mmengine.logging import print_log
            print_log("dist_cfg backend 'nccl' needs GPUs and none is available: using 'gloo' "
                      '(cvshared.compat).', logger='current', level=30)
            backend = 'gloo'
        torch.distributed.init_process_group(backend=backend, **kwargs)

    _init_dist_pytorch._cvshared_cpu = True
    dist_utils._init_dist_pytorch = _init_dist_pytorch

    original_ddp_init = mm_ddp.MMDistributedDataParallel.__init__

    def ddp_init(self, module, detect_anomalous_params=False, **kwargs):
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        if on_cpu and not torch.cuda.is_available():
            kwargs['device_ids'] = None
        original_ddp_init(self, module, detect_anomalous_params=detect_anomalous_params,
                          **kwargs)

    mm_ddp.MMDistributedDataParallel.__init__ = ddp_init


def _safe_local_loader(filename, map_location):
    """mmengine's loader for local paths, through the repository's one safe loader."""
    import os.path as osp

    from .checkpoint import load_checkpoint_file
    return load_checkpoint_file(osp.expanduser(filename), map_location=map_location)


def route_mmengine_checkpoint_loading() -> None:
    """Make mmengine's ``CheckpointLoader`` read local files with ``load_checkpoint_file``."""
    from mmengine.runner.checkpoint import CheckpointLoader

    CheckpointLoader.register_scheme(prefixes='', loader=_safe_local_loader, force=True)


def apply() -> None:
    """Apply every fix once."""
    global _APPLIED
    if _APPLIED:
        return
    allow_mmengine_checkpoints()
    patch_mmaction_drn()
    enable_cpu_distributed()
    route_mmengine_checkpoint_loading()
    _APPLIED = True
