"""CPU benchmark of the shared ops against their naive references and the official code.

Usage::

    python shared/benchmarks/bench_ops.py [--official-root DIR] [--threads 1] [--repeat 5]
                                          [--only CASE ...] [--only-impl NAME ...]
                                          [--modes fwd fwd+bwd] [--clock wall|cpu]
                                          [--no-memory] [--json FILE]

Every figure of ``shared/README.md``'s benchmark table is one run of this script (the README
gives the command per case). The header prints the thread count, the machine's load averages
(``os.getloadavg()``) before the run and the CPU count; the footer prints the load after it.
Both go into ``--json`` too, so a figure always comes with the conditions it was measured in.

``--official-root`` (or env ``CVSHARED_OFFICIAL_ROOT``) is a folder holding unmodified clones
``SELFY/`` (arunos728/SELFY), ``MotionSqueeze/`` (arunos728/MotionSqueeze), ``psa/``
(jiwoon-ahn/psa) and ``irn/`` (jiwoon-ahn/irn).  Their modules are loaded with the hard-coded
CUDA device replaced by the CPU at import time (source text substitution in memory; nothing is
written).  Without it, the official columns are skipped.  If ``spatial_correlation_sampler`` is
importable (``PYTHONPATH``), the official compiled-sampler paths are timed too.

Time: median wall-clock time of ``--repeat`` calls after one warm-up call, in the main process,
with ``torch.set_num_threads(--threads)``; the implementations of a case are called in turn
(interleaved) so that changes in machine load affect them alike.

Peak memory: every (case, implementation, mode) is re-run in a fresh subprocess that builds the
inputs, makes one warm-up call (one-time library initialisation), resets the kernel's RSS
high-water mark (``/proc/self/clear_refs``), makes exactly one call and reports ``VmHWM`` after
it minus ``VmRSS`` before it, i.e. the extra memory the call made resident at its peak.  glibc is
told (``MALLOC_MMAP_THRESHOLD_=65536``) to give every buffer above 64 KiB its own mapping, so
memory freed by the warm-up is returned to the kernel and cannot hide the call's own peak.
This counts every allocation of the op (tensors, autograd buffers, allocator slack) and, unlike
``tracemalloc``, sees memory allocated by torch's C++ allocator.  Inputs are created before the
baseline, so the figure does not include them; the outputs (alive at the end of the call) and,
in 'fwd+bwd' mode, the input gradients are included.
"""
from __future__ import annotations

import argparse
import functools
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared package

from cvshared.ops import affinity as A  # noqa: E402
from cvshared.ops import correlation as C  # noqa: E402
from cvshared.ops import soft_argmax as S  # noqa: E402

# --------------------------------------------------------------------------- official loaders


def _load_module(name: str, path: Path, extra_path: Path | None = None) -> types.ModuleType:
    """Import ``path`` as ``name`` with its CUDA device hard-coding replaced by the CPU."""
    src = path.read_text()
    for old, new in (("device='cuda'", "device='cpu'"), (".to('cuda')", ".to('cpu')"),
                     ('.cuda(non_blocking=True)', ''), ('.cuda()', ''),
                     ('from spatial_correlation_sampler import SpatialCorrelationSampler',
                      'SpatialCorrelationSampler = _optional_sampler()')):
        src = src.replace(old, new)
    if extra_path is not None and str(extra_path) not in sys.path:
        sys.path.insert(0, str(extra_path))
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(path))
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    module._optional_sampler = _optional_sampler
    exec(compile(src, str(path), 'exec'), module.__dict__)
    sys.modules[name] = module
    return module


def _optional_sampler():
    try:
        from spatial_correlation_sampler import SpatialCorrelationSampler
    except ImportError:
        return None
    return SpatialCorrelationSampler


class Official:
    def __init__(self, root: Path | None):
        self.root = root
        self.sampler = _optional_sampler()

    @functools.cached_property
    def selfy(self):
        return _load_module('official_selfy', self.root / 'SELFY/ops/selfy.py')

    @functools.cached_property
    def ms(self):
        return _load_module('official_ms', self.root / 'MotionSqueeze/resnet_TSM.py',
                            self.root / 'MotionSqueeze')

    @functools.cached_property
    def irn(self):
        return _load_module('official_irn_indexing', self.root / 'irn/misc/indexing.py')

    @functools.cached_property
    def psa_pyutils(self):
        return _load_module('official_psa_pyutils', self.root / 'psa/tool/pyutils.py')

    @functools.cached_property
    def psa_aff(self):
        return _load_module('official_psa_aff', self.root / 'psa/network/resnet38_aff.py',
                            self.root / 'psa')


# --------------------------------------------------------------------------- cases
# Each case builder returns {impl_name: (fn, differentiable_inputs)}; fn() returns a tensor or
# a tuple of tensors.  Mode 'fwd+bwd' sums all outputs and back-propagates.


def case_ms_corr(off: Official):
    """MotionSqueeze matching layer: 8 frames -> 7 pairs, C=64, 28x28, patch 15 (R50, 224^2)."""
    g = torch.Generator().manual_seed(0)
    f1 = torch.randn(7, 64, 28, 28, generator=g).requires_grad_()
    f2 = torch.randn(7, 64, 28, 28, generator=g).requires_grad_()

    def ours():
        return torch.relu(C.cosine_local_correlation(f1, f2, 15)).view(7, 225, 784)

    def reference():
        return torch.relu(C.local_correlation_reference(C.l2_normalize(f1), C.l2_normalize(f2),
                                                        15)).view(7, 225, 784)

    impls = {'ours': ours, 'reference': reference}
    if off.root:
        mm = off.ms.Matching_layer_mm(patch=15)
        impls['official naive (Matching_layer_mm)'] = lambda: mm(f1, f2)
    if off.sampler and off.root:
        scs = off.ms.Matching_layer_scs(ks=1, patch=15, stride=1, pad=0, patch_dilation=1)
        impls['official compiled sampler'] = lambda: scs(f1, f2)
    return impls, (f1, f2)


def case_selfy_stss(off: Official):
    """SELFY STSS: T=8 frames, C=128 (d_hid), 14x14, window (5, 9, 9)."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(8, 128, 14, 14, generator=g).requires_grad_()

    def ours():
        return C.spatio_temporal_self_similarity(x.view(1, 8, 128, 14, 14), (5, 9, 9))

    def reference():
        f = C.l2_normalize(x.view(1, 8, 128, 14, 14), dim=2)
        out = x.new_zeros(1, 8, 5, 9, 9, 14, 14)
        for t in range(8):
            for li in range(5):
                if 0 <= t + li - 2 < 8:
                    out[:, t, li] = C.local_correlation_reference(f[:, t], f[:, t + li - 2], 9)
        return out.permute(0, 1, 5, 6, 2, 3, 4).unsqueeze(4)

    impls = {'ours': ours, 'reference': reference}
    if off.root:
        m = off.selfy.STSSTransformation(128, 128, num_segments=8, window=(5, 9, 9),
                                         use_corr_sampler=False)
        m.downsample = nn.Identity()
        impls['official naive (use_corr_sampler=False)'] = lambda: m(x)
    if off.sampler and off.root:
        m2 = off.selfy.STSSTransformation(128, 128, num_segments=8, window=(5, 9, 9))
        m2.downsample = nn.Identity()
        impls['official compiled sampler'] = lambda: m2(x)
    return impls, (x,)


def case_ms_soft_argmax(off: Official):
    """Kernel soft-argmax on 7 correlation volumes of 225 x 28 x 28 (sigma 5, tau 100)."""
    g = torch.Generator().manual_seed(2)
    f1, f2 = torch.randn(7, 64, 28, 28, generator=g), torch.randn(7, 64, 28, 28, generator=g)
    corr = torch.relu(C.cosine_local_correlation(f1, f2, 15)).reshape(7, 225, 784)
    corr.requires_grad_()

    def ours():
        return S.kernel_soft_argmax(corr.view(7, 225, 28, 28))

    impls = {'ours': ours}
    if off.root:
        fake = types.SimpleNamespace(patch=15, patch_dilation=1, soft_argmax=nn.Softmax(dim=1))
        fake.apply_gaussian_kernel = functools.partial(off.ms.ResNet.apply_gaussian_kernel, fake)

        def official():
            fx, fy, conf = off.ms.ResNet.match_to_flow_soft(fake, corr, 1, 28, 28, 100)
            return torch.cat([fx, fy], 1).view(7, 2, 28, 28), conf

        impls['official match_to_flow_soft'] = official
    return impls, (corr,)


def case_psa_affinity(off: Official):
    """PSA affinity: 448-d features on the 56x56 grid of a 448 crop, radius 5."""
    g = torch.Generator().manual_seed(3)
    feat = torch.randn(1, 448, 56, 56, generator=g).requires_grad_()
    ind_from, ind_to = A.get_indices_of_pairs(5, (56, 56))
    # The official head applies ELU twice to the last features (see below); so do we.
    impls = {'ours': lambda: A.radius_feature_affinity(F.elu(F.elu(feat)), 5),
             'reference (indexed feature_affinity)':
                 lambda: A.feature_affinity(F.elu(F.elu(feat)), ind_from, ind_to)}
    if off.root:
        net_cls = off.psa_aff.Net
        net = object.__new__(net_cls)
        nn.Module.__init__(net)
        net.f8_3 = net.f8_4 = net.f8_5 = net.f9 = nn.Identity()
        net.predefined_featuresize = 56
        net.ind_from, net.ind_to = ind_from, ind_to
        # The backbone is replaced by fixed features; ELU(ELU(x)) makes the official head's
        # activations act on `feat` (the timings include these two cheap ELUs).
        sys.modules['network.resnet38d'].Net.forward_as_dict = (
            lambda self, img: {'conv4': feat[:, :0], 'conv5': feat[:, :0], 'conv6': feat})
        impls['official resnet38_aff.Net.forward'] = lambda: net_cls.forward(net, None, False)
    return impls, (feat,)


def case_irn_edge_affinity(off: Official):
    """IRN training affinity: boundary map 128x128 (512 crop at stride 4), radius 10."""
    g = torch.Generator().manual_seed(4)
    edge = torch.rand(1, 1, 128, 128, generator=g).requires_grad_()
    pi = A.PathIndex(10, (128, 128))
    impls = {'ours': lambda: A.edge_to_affinity(edge, pi)}
    if off.root:
        opi = off.irn.PathIndex(radius=10, default_size=(128, 128))
        paths = [torch.from_numpy(p) for p in opi.path_indices]
        impls['official edge_to_affinity'] = lambda: off.irn.edge_to_affinity(edge, paths)
    return impls, (edge,)


def case_irn_random_walk(off: Official):
    """IRN propagate_to_edge: 3 class maps on a 32x40 grid, radius 5, beta 10, 2^8 steps."""
    g = torch.Generator().manual_seed(5)
    cam = torch.rand(3, 32, 40, generator=g)
    edge = torch.rand(1, 32, 40, generator=g) ** 3
    impls = {'ours (sparse, float64 steps)': lambda: A.propagate_to_edge(cam, edge, 5, 10, 8),
             'ours dense (= official algorithm)':
                 lambda: A.propagate_to_edge(cam, edge, 5, 10, 8, method='dense')}
    if off.root:
        impls['official propagate_to_edge'] = lambda: off.irn.propagate_to_edge(
            cam, edge, radius=5, beta=10, exp_times=8)
    return impls, ()


CASES = {
    'ms_corr': case_ms_corr,
    'selfy_stss': case_selfy_stss,
    'ms_soft_argmax': case_ms_soft_argmax,
    'psa_affinity': case_psa_affinity,
    'irn_edge_affinity': case_irn_edge_affinity,
    'irn_random_walk': case_irn_random_walk,
}


def _as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def _run(fn, inputs, mode):
    if mode == 'fwd':
        with torch.no_grad():
            return fn()
    for t in inputs:
        t.grad = None
    out = _as_tuple(fn())
    sum(o.float().sum() for o in out if o.requires_grad).backward()
    return out


def _modes(inputs):
    return ['fwd', 'fwd+bwd'] if inputs else ['fwd']


def _status_kib(field: str) -> int:
    with open('/proc/self/status') as fh:
        for line in fh:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')


def measure_memory(case: str, impl: str, mode: str, root: str | None, threads: int) -> float:
    """Child-process entry: peak RSS increase (MiB) of one call after a warm-up call.

    The kernel's high-water mark ``VmHWM`` is reset to the current RSS (``/proc/self/clear_refs``
    = 5) right before the measured call and read right after it.

    The parent starts the child with ``MALLOC_MMAP_THRESHOLD_=65536``: glibc then serves every
    buffer above 64 KiB with its own ``mmap`` and unmaps it on free, so the warm-up call (which
    absorbs one-time library initialisation) leaves no reusable heap behind and the measured
    call's high-water mark is its own.
    """
    torch.set_num_threads(threads)
    if case == '_calibrate':
        fn, inputs = (lambda: torch.ones(64, 2 ** 20)), ()  # 256 MiB
    else:
        impls, inputs = CASES[case](Official(Path(root) if root else None))
        fn = impls[impl]
    out = _run(fn, inputs, mode)
    del out
    for t in inputs:
        t.grad = None
    gc.collect()
    with open('/proc/self/clear_refs', 'w') as fh:  # reset VmHWM to the current RSS (Linux)
        fh.write('5')
    before = _status_kib('VmRSS')
    out = _run(fn, inputs, mode)
    peak = _status_kib('VmHWM')
    del out
    return max(0.0, (peak - before) / 1024)


def child_memory(case: str, impl: str, mode: str, root: Path | None, threads: int) -> float:
    cmd = [sys.executable, __file__, '--threads', str(threads), '--_child', case, impl, mode]
    if root:
        cmd += ['--official-root', str(root)]
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536')
    res = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--official-root', default=os.environ.get('CVSHARED_OFFICIAL_ROOT'))
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--only', nargs='*', choices=sorted(CASES))
    parser.add_argument('--only-impl', nargs='*', metavar='NAME',
                        help='time only these implementations (prefix match, e.g. ours '
                             'official); the first one kept is the reference of the ratios')
    parser.add_argument('--modes', nargs='*', choices=['fwd', 'fwd+bwd'],
                        help='only these modes (default: both where the case has gradients)')
    parser.add_argument('--clock', choices=['wall', 'cpu'], default='wall',
                        help="'wall' (perf_counter, default) or 'cpu' (process_time: the "
                             "process's CPU seconds, not inflated by waiting for a core on a "
                             "loaded machine)")
    parser.add_argument('--no-memory', action='store_true')
    parser.add_argument('--json', help='also write the results to this file')
    parser.add_argument('--_child', nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._child:
        print(json.dumps(measure_memory(*args._child, args.official_root, args.threads)))
        return
    torch.set_num_threads(args.threads)
    root = Path(args.official_root) if args.official_root else None
    conditions = dict(threads=torch.get_num_threads(), cpus=os.cpu_count(), clock=args.clock,
                      load_before=[round(x, 2) for x in os.getloadavg()],
                      command=' '.join([Path(sys.argv[0]).name] + sys.argv[1:]),
                      started=time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime()),
                      torch=torch.__version__)
    print(f"bench_ops: {conditions['started']}, torch {conditions['torch']}, "
          f"threads={conditions['threads']} (of {conditions['cpus']} CPUs), load average "
          f"(1, 5, 15 min) before: {conditions['load_before']}", flush=True)
    if not args.no_memory:
        cal = child_memory('_calibrate', '', 'fwd', None, args.threads)
        print(f'memory calibration: a 256 MiB tensor measures {cal:.1f} MiB', flush=True)
    off = Official(root)
    rows = []
    for case in args.only or CASES:
        impls, inputs = CASES[case](off)
        if args.only_impl:
            impls = {name: fn for name, fn in impls.items()
                     if any(name.startswith(prefix) for prefix in args.only_impl)}
        for mode in _modes(inputs):
            if args.modes and mode not in args.modes:
                continue
            outs = {name: _as_tuple(_run(fn, inputs, mode)) for name, fn in impls.items()}
            times = {name: [] for name in impls}
            clock = time.process_time if args.clock == 'cpu' else time.perf_counter
            for _ in range(args.repeat):  # interleaved, so that load drift hits all alike
                for name, fn in impls.items():
                    t0 = clock()
                    _run(fn, inputs, mode)
                    times[name].append(clock() - t0)
            ours_out = next(iter(outs.values()))
            for name in impls:
                diff = max((a.detach().float() - b.detach().float().reshape(a.shape))
                           .abs().max().item() for a, b in zip(ours_out, outs[name]))
                mem = None
                if not args.no_memory:
                    mem = child_memory(case, name, mode, root, args.threads)
                first = next(iter(impls))
                rows.append(dict(case=case, mode=mode, impl=name,
                                 ms=1e3 * statistics.median(times[name]), peak_mib=mem,
                                 max_abs_diff_vs_ours=diff,
                                 ratio=statistics.median(times[name]) /
                                 statistics.median(times[first]),
                                 ratio_pairs=statistics.median(
                                     a / b for a, b in zip(times[name], times[first]))))
                print(json.dumps(rows[-1]), flush=True)
    conditions['load_after'] = [round(x, 2) for x in os.getloadavg()]
    print()
    print(f"clock={args.clock}, threads={conditions['threads']}, "
          f"load average before {conditions['load_before']}, "
          f"after {conditions['load_after']}; time / ours = ratio of the medians (median of "
          f"the per-round ratios in brackets)")
    print('| case | mode | implementation | time (ms) | time / ours | peak RSS increase (MiB) | '
          'max abs diff vs ours |')
    print('|---|---|---|---:|---:|---:|---:|')
    for r in rows:
        mem = '-' if r['peak_mib'] is None else f"{r['peak_mib']:.0f}"
        print(f"| {r['case']} | {r['mode']} | {r['impl']} | {r['ms']:.1f} | "
              f"{r['ratio']:.1f}x ({r['ratio_pairs']:.1f}x) | {mem} | "
              f"{r['max_abs_diff_vs_ours']:.1e} |")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(conditions=conditions, rows=rows), indent=1))


if __name__ == '__main__':
    main()
