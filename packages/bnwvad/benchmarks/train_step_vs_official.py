"""BN-WVAD train step and inference of ours beside the official code, official sizes, CPU.

    python packages/bnwvad/benchmarks/train_step_vs_official.py /path/to/BN-WVAD-checkout \
        [--rounds 15] [--iters 3] [--side ours|official] [--profile ours|official]

Equal config: the official sizes (I3D 1024 -> 512, 2 layers, 4 x 128 heads, head ratios
16 / 32), the same weights (:func:`bnwvad.testing.fill_golden_weights` on ours, given to the
official ``WSAD`` through :func:`bnwvad.convert.to_official`), one thread. Train step: 8 normal
+ 8 abnormal single-crop samples of T = 64, forward + losses + backward + clip 1.0 + Adam
(1e-4, wd 5e-5). The official side calls its ``train.py::train`` unedited (``WSAD`` +
``LossComputer``, ``.cuda()`` the identity at run time, ``ipdb`` stubbed); ours calls
``BNWVAD.train_step`` with an mmengine ``OptimWrapper`` (the path ``tools/train.py`` runs), on
the batch the data loader gives (a list of ``(1, T, 1024)`` features and data samples).
Inference: one test video of 5 crops x T = 64 (official ``test.py``: the crops as a batch of
5, then ``mean(0)``; ours ``BNWVAD.test_step``).

Default: both sides in this process, interleaved A B A B for ``--rounds`` rounds of
``--iters`` steps each; prints the medians and ours / official speed. ``--side`` runs one side
only (for timing separate processes from outside, e.g. ``/usr/bin/time -v``); ``--profile``
prints ``torch.profiler``'s table of one side's train step. Our harness only: it contains no
official code.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os.path as osp
import statistics
import sys
import time
import types

B_HALF, T, D, CROPS = 8, 64, 1024, 5
REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
CONFIG = osp.join(REPO, 'configs', 'bnwvad', 'bnwvad_i3d_1k-iter_xd-violence.py')


@contextlib.contextmanager
def _cpu_only():
    from cvshared.harness import cuda_calls_on_cpu
    sys.modules.setdefault('ipdb', types.ModuleType('ipdb'))
    with cuda_calls_on_cpu():
        yield


def _inputs():
    import torch
    g = torch.Generator().manual_seed(0)
    normal = torch.randn(B_HALF, T, D, generator=g)
    abnormal = torch.randn(B_HALF, T, D, generator=g)
    abnormal[:, T // 4:T // 2] += 2.0       # an outlier run, so the selection is not flat
    test = torch.randn(CROPS, T, D, generator=g)
    return normal, abnormal, test


def _ours_model():
    from bnwvad.testing import fill_golden_weights, golden_model
    return fill_golden_weights(golden_model(), seed=0)


def build_ours(optimizer='config'):
    """Our train / inference closures; ``optimizer='config'``: the optimiser wrapper of
    ``configs/bnwvad/bnwvad_i3d_1k-iter_xd-violence.py`` (what ``tools/train.py`` builds),
    ``'plain'``: the same Adam without ``fused=True`` (the official optimiser)."""
    import copy

    import torch
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.structures import BaseDataElement
    model = _ours_model().train()
    cfg = copy.deepcopy(Config.fromfile(CONFIG).optim_wrapper)
    if optimizer == 'plain':
        cfg.optimizer.pop('fused', None)
    optim = build_optim_wrapper(model, cfg)
    normal, abnormal, test = _inputs()
    batch = dict(inputs=[x[None] for x in torch.cat([normal, abnormal])],
                 data_samples=[BaseDataElement(gt_label=int(i >= B_HALF))
                               for i in range(2 * B_HALF)])
    test_batch = dict(inputs=[test], data_samples=[BaseDataElement(gt_label=0)])

    def train(n):
        model.train()
        for _ in range(n):
            model.train_step(batch, optim)

    def infer(n):
        model.eval()
        for _ in range(n):
            model.test_step(test_batch)
        model.train()
    return train, infer


def build_official(checkout):
    import torch
    from bnwvad.convert import to_official
    sys.path.insert(0, osp.abspath(checkout))
    with _cpu_only():
        import train as official_train
        from losses import LossComputer
        from models.model import WSAD
    args = types.SimpleNamespace(ratio_sample=0.2, ratio_batch=0.4, ratios=[16, 32],
                                 kernel_sizes=[1, 1, 1])
    net = WSAD(D, flag='Train', args=args)
    net.load_state_dict(to_official(_ours_model().state_dict()), strict=True)
    criterion = LossComputer()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.9, 0.999),
                                 weight_decay=5e-5)
    normal, abnormal, test = _inputs()
    labels = torch.zeros(B_HALF), torch.ones(B_HALF)

    def loader(x, y):
        while True:
            yield x, y

    normal_loader, abnormal_loader = loader(normal, labels[0]), loader(abnormal, labels[1])

    def train(n):
        with _cpu_only():
            for _ in range(n):
                official_train.train(net, normal_loader, abnormal_loader, optimizer, criterion)

    def infer(n):
        with _cpu_only():
            net.eval()
            net.flag = 'Test'
            for _ in range(n):
                with torch.no_grad():
                    net(test).mean(0).cpu().numpy()
            net.flag = 'Train'
            net.train()
    return train, infer


def _time(fn, n):
    """(wall ms, process CPU ms) per call; on a shared machine the CPU time is the steadier
    figure (one thread: it is the work done, without the time spent waiting for a core)."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn(n)
    return 1e3 * (time.perf_counter() - t0) / n, 1e3 * (time.process_time() - c0) / n


def interleaved(checkout, rounds, iters, optimizer):
    sides = {'official': build_official(checkout), 'ours': build_ours(optimizer)}
    for train, infer in sides.values():      # warm-up
        train(1)
        infer(1)
    times = {(s, k, c): [] for s in sides for k in ('train', 'infer') for c in (0, 1)}
    for _ in range(rounds):
        for k, i in (('train', 0), ('infer', 1)):
            for side, fns in sides.items():
                for c, value in enumerate(_time(fns[i], iters)):
                    times[side, k, c].append(value)
    med = {k: statistics.median(v) for k, v in times.items()}

    def ratio(k, c):
        return statistics.median(o / u for o, u in zip(times['official', k, c],
                                                       times['ours', k, c]))
    print(f'{rounds} rounds x {iters} calls, interleaved; ours: {optimizer} optimiser; '
          'speed = median over rounds of official time / ours\n'
          '| measurement | official wall ms | ours wall ms | speed (wall) | official CPU ms | '
          'ours CPU ms | speed (CPU) |\n|---|---|---|---|---|---|---|')
    for k, what in (('train', f'train step, 8 + 8 x T {T}'),
                    ('infer', f'inference, {CROPS} crops x T {T}')):
        print(f"| {what} | {med['official', k, 0]:.1f} | {med['ours', k, 0]:.1f} | "
              f"{ratio(k, 0):.2f}x | {med['official', k, 1]:.1f} | {med['ours', k, 1]:.1f} | "
              f"{ratio(k, 1):.2f}x |")
    print(json.dumps({f'{s}_{k}_{"cpu" if c else "wall"}': [round(x, 1) for x in v]
                      for (s, k, c), v in times.items()}))


def one_side(checkout, side, rounds, iters, optimizer):
    import resource
    train, infer = build_official(checkout) if side == 'official' else build_ours(optimizer)
    train(1)
    infer(1)
    tr = [_time(train, iters) for _ in range(rounds)]
    inf = [_time(infer, iters) for _ in range(rounds)]
    print(json.dumps(dict(side=side, train_ms=statistics.median(t[0] for t in tr),
                          train_cpu_ms=statistics.median(t[1] for t in tr),
                          infer_ms=statistics.median(t[0] for t in inf),
                          infer_cpu_ms=statistics.median(t[1] for t in inf),
                          peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))


def profile(checkout, side, iters, optimizer):
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile
    train, _ = build_official(checkout) if side == 'official' else build_ours(optimizer)
    train(2)
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        train(iters)
    print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=40))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkout', help='the official repository at the commit of the README')
    p.add_argument('--rounds', type=int, default=15)
    p.add_argument('--iters', type=int, default=3)
    p.add_argument('--side', choices=('ours', 'official'))
    p.add_argument('--profile', choices=('ours', 'official'))
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--optimizer', choices=('config', 'plain'), default='config',
                   help="ours: the config's optimiser (fused Adam) or the plain Adam")
    a = p.parse_args(argv)
    if not osp.isfile(osp.join(a.checkout, 'models', 'model.py')):
        p.error(f'{a.checkout} is not a checkout of the official BN-WVAD (no models/model.py)')
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.profile:
        return profile(a.checkout, a.profile, a.iters, a.optimizer)
    if a.side:
        return one_side(a.checkout, a.side, a.rounds, a.iters, a.optimizer)
    return interleaved(a.checkout, a.rounds, a.iters, a.optimizer)


if __name__ == '__main__':
    main()
