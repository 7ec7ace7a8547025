"""Benchmark of the SELFY block (ours vs the official ``ops/selfy.py`` ``SELFYBlock``) and of a
TSM-R50 train step with and without it.

    python packages/selfy/tools/benchmark_block.py [--official CHECKOUT] [--threads 1 2]
        [--batch 8] [--step-frames 8] [--step-size 224] [--repeat 3]
    python packages/selfy/tools/benchmark_block.py --threads 2 --step-pairs 6 --flush-denormal

Block: forward + backward of ``sum(out)`` in train mode at the paper's feature size, TSM-R50
res3 of ``batch`` clips x 8 frames: ``(batch*8, 512, 28, 28)``, median of ``repeat`` runs after
one warm-up, and the peak resident memory of a fresh process running it (``ru_maxrss`` minus
the process's size before the first run). The official block runs its naive CPU path (the
compiled ``spatial_correlation_sampler`` of its GPU path does not build here); the checkout is
imported at run time, ``torch.zeros(device='cuda')`` patched to the CPU as in
``tests/golden/make_golden.py``.

Interleaved pairs (``--pairs N``, needs ``--official``): ONE process per thread count builds
both blocks (same input), runs one warm-up each, then ours, official, ours, official, ... and
prints each pair's ratio official / ours and their median: on a shared, loaded machine the
ratio of neighbouring runs survives the drift that separate processes do not.

Step: one SGD step (forward, cross-entropy, backward, update) of mmaction2's Recognizer2D
TSM-R50 (+ SELFY after layer2) on 1 clip x ``step_frames`` frames x ``step_size``^2, and the
block's share = (with - without) / with. ``--step-pairs N``: both models built in ONE process
(same seed, same input of ``--step-clips`` clips), a warm-up step each, then plain, with, plain,
with, ... and each pair's share, with the median: the interleaved reading that survives load.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time


def _time(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _build_block(impl: str, checkout: str | None):
    import contextlib

    import torch
    torch.manual_seed(0)
    if impl == 'official':
        sys.path.insert(0, osp.abspath(checkout))
        sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', 'tests', 'golden'))
        from make_golden import cpu_only
        with cpu_only():
            from ops.selfy import SELFYBlock
            block = SELFYBlock(512, 128, num_segments=8)
        return block.train(), cpu_only
    from selfy.models import SELFYBlock
    return SELFYBlock(512, 128, num_segments=8).train(), contextlib.nullcontext


def run_block(impl: str, checkout: str | None, batch: int, repeat: int) -> dict:
    import torch
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    block, ctx = _build_block(impl, checkout)
    x = torch.rand(batch * 8, 512, 28, 28, requires_grad=True)

    def step():
        with ctx():
            block(x).sum().backward()

    seconds = _time(step, repeat)
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    return dict(seconds=seconds, peak_mib=peak)


def run_pairs(checkout: str, batch: int, pairs: int) -> dict:
    """Ours and the official block alternated in one process (module docstring)."""
    import torch
    blocks = {impl: _build_block(impl, checkout) for impl in ('ours', 'official')}
    x = torch.rand(batch * 8, 512, 28, 28)

    def once(impl):
        block, ctx = blocks[impl]
        xi = x.clone().requires_grad_()
        t0 = time.perf_counter()
        with ctx():
            block(xi).sum().backward()
        return time.perf_counter() - t0

    once('ours'), once('official')  # warm-up
    rows = []
    for _ in range(pairs):
        ours = once('ours')
        off = once('official')
        rows.append(dict(ours=ours, official=off, ratio=off / ours))
    return dict(pairs=rows, median_ratio=statistics.median(r['ratio'] for r in rows),
                median_ours=statistics.median(r['ours'] for r in rows),
                median_official=statistics.median(r['official'] for r in rows))


def _build_step(with_block: bool, frames: int, size: int, clips: int = 1):
    import selfy  # noqa: F401
    import torch
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample
    from mmengine.registry import DefaultScope
    blocks = [dict(stage='layer2', block=dict(type='SELFYBlock'))] if with_block else []
    cfg = dict(
        type='Recognizer2D',
        backbone=dict(type='ResNetTSMWithBlocks', depth=50, num_segments=frames, pretrained=None,
                      pretrained2d=False, norm_eval=False, shift_div=8, blocks=blocks),
        cls_head=dict(type='TSMHead', num_classes=174, in_channels=2048, num_segments=frames,
                      spatial_type='avg', consensus=dict(type='AvgConsensus', dim=1),
                      dropout_ratio=0.5, is_shift=True, average_clips='prob'))
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg)
    model.init_weights()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    x = torch.randn(clips, frames, 3, size, size)
    samples = [ActionDataSample().set_gt_label(3) for _ in range(clips)]

    def step():
        opt.zero_grad()
        loss = model(x, samples, mode='loss')['loss_cls']
        loss.backward()
        opt.step()

    return step


def run_step(with_block: bool, frames: int, size: int, repeat: int) -> dict:
    return dict(seconds=_time(_build_step(with_block, frames, size), repeat))


def run_step_pairs(frames: int, size: int, clips: int, pairs: int) -> dict:
    """Plain TSM and TSM + SELFY train steps alternated in one process (module docstring)."""
    steps = {kind: _build_step(kind, frames, size, clips) for kind in (False, True)}

    def once(kind):
        t0 = time.perf_counter()
        steps[kind]()
        return time.perf_counter() - t0

    once(False), once(True)  # warm-up
    rows = []
    for _ in range(pairs):
        plain = once(False)
        withb = once(True)
        rows.append(dict(plain=plain, with_block=withb, share=(withb - plain) / withb,
                         load=os.getloadavg()[0]))
    return dict(pairs=rows, median_share=statistics.median(r['share'] for r in rows))


def _child(args, *extra) -> dict:
    cmd = [sys.executable, osp.abspath(__file__), '--child', *extra,
           '--batch', str(args.batch), '--repeat', str(args.repeat), '--pairs', str(args.pairs),
           '--step-frames', str(args.step_frames), '--step-size', str(args.step_size),
           '--step-clips', str(args.step_clips), '--step-pairs', str(args.step_pairs)]
    if args.flush_denormal:
        cmd.append('--flush-denormal')
    if args.official:
        cmd += ['--official', args.official]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--official', help='checkout of arunos728/SELFY (omit: ours only)')
    parser.add_argument('--threads', type=int, nargs='+', default=[1, os.cpu_count()])
    parser.add_argument('--batch', type=int, default=8, help='clips of 8 frames (paper: 8)')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--step-frames', type=int, default=8)
    parser.add_argument('--step-size', type=int, default=224)
    parser.add_argument('--step-clips', type=int, default=1,
                        help='clips per train step in --step-pairs (paper: 8; 1 fits this CPU)')
    parser.add_argument('--step-pairs', type=int, default=0,
                        help='interleaved plain / +SELFY train steps in one process')
    parser.add_argument('--flush-denormal', action='store_true',
                        help='torch.set_flush_denormal(True) in the timed processes (train steps '
                             'on random data reach denormal floats after a few updates: 50x '
                             'slower steps on this CPU without it)')
    parser.add_argument('--no-step', action='store_true', help='skip the train-step benchmark')
    parser.add_argument('--pairs', type=int, default=0,
                        help='interleaved ours/official pairs in one process (needs --official)')
    parser.add_argument('--child', nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        import torch
        kind, threads = args.child[0], int(args.child[1])
        torch.set_num_threads(threads)
        if args.flush_denormal:
            torch.set_flush_denormal(True)
        if kind == 'pairs':
            res = run_pairs(args.official, args.batch, args.pairs)
        elif kind == 'step_pairs':
            res = run_step_pairs(args.step_frames, args.step_size, args.step_clips,
                                 args.step_pairs)
        elif kind in ('ours', 'official'):
            res = run_block(kind, args.official, args.batch, args.repeat)
        else:
            res = run_step(kind == 'step_with', args.step_frames, args.step_size, args.repeat)
        print(json.dumps(res))
        return 0
    if args.official and not osp.isfile(osp.join(args.official, 'ops', 'selfy.py')):
        parser.error(f'{args.official} is not a checkout of arunos728/SELFY (no ops/selfy.py)')
    print(f'uptime: {os.getloadavg()}  (load 1/5/15 min), cpus {os.cpu_count()}')
    if args.step_pairs:
        print(f'train step, TSM-R50, {args.step_clips} clip(s) x {args.step_frames} x '
              f'{args.step_size}^2, {args.step_pairs} interleaved pairs in one process')
        for threads in args.threads:
            res = _child(args, 'step_pairs', str(threads))
            rows = '; '.join(f'{r["plain"]:.2f} / {r["with_block"]:.2f} s '
                             f'({100 * r["share"]:.1f} %, load {r["load"]:.1f})'
                             for r in res['pairs'])
            print(f'  threads {threads}: plain / + SELFY per pair: {rows}; median share '
                  f'{100 * res["median_share"]:.1f} %', flush=True)
        print(f'uptime: {os.getloadavg()}  (load 1/5/15 min, after)')
        return 0
    if args.pairs:
        if not args.official:
            parser.error('--pairs needs --official')
        print(f'block fwd+bwd, train mode, input ({args.batch * 8}, 512, 28, 28), '
              f'{args.pairs} interleaved pairs in one process')
        for threads in args.threads:
            res = _child(args, 'pairs', str(threads))
            ratios = ' '.join(f'{r["ratio"]:.2f}' for r in res['pairs'])
            print(f'  threads {threads}: ours {res["median_ours"]:.3f} s, official '
                  f'{res["median_official"]:.3f} s (medians); official / ours per pair: '
                  f'{ratios}; median {res["median_ratio"]:.2f}x', flush=True)
        print(f'uptime: {os.getloadavg()}  (load 1/5/15 min, after)')
        return 0
    print(f'block fwd+bwd, train mode, input ({args.batch * 8}, 512, 28, 28), median of '
          f'{args.repeat}')
    for threads in args.threads:
        ours = _child(args, 'ours', str(threads))
        line = (f'  threads {threads}: ours {ours["seconds"]:.3f} s, peak '
                f'+{ours["peak_mib"]:.0f} MiB')
        if args.official:
            off = _child(args, 'official', str(threads))
            speedup = off['seconds'] / ours['seconds']
            line += (f'; official (naive CPU path) {off["seconds"]:.3f} s, peak '
                     f'+{off["peak_mib"]:.0f} MiB; speed-up {speedup:.2f}x')
        print(line, flush=True)
    if not args.no_step:
        threads = max(args.threads)
        print(f'train step, TSM-R50, 1 clip x {args.step_frames} x {args.step_size}^2, '
              f'threads {threads}')
        plain = _child(args, 'step_plain', str(threads))
        withb = _child(args, 'step_with', str(threads))
        share = (withb['seconds'] - plain['seconds']) / withb['seconds']
        print(f'  plain TSM {plain["seconds"]:.3f} s, TSM + SELFY {withb["seconds"]:.3f} s, '
              f'block share {100 * share:.1f} %')
    return 0


if __name__ == '__main__':
    sys.exit(main())
