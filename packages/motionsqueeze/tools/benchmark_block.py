"""Benchmark of the MS module: ours vs the official (naive CPU path), and its share of a train step.

    .venv/bin/python packages/motionsqueeze/tools/benchmark_block.py OFFICIAL_CHECKOUT \
        [--threads 1 2] [--repeats 3] [--clips 8] [--step-clips 1]

1. The block's forward + backward (train mode, BN batch statistics) at the paper's feature
   size, TSM-R50 res3 of ``clips`` x 8 frames: ``(clips * 8, 512, 28, 28)``; ours
   (:class:`motionsqueeze.models.MotionSqueezeBlock`, the shared correlation and soft-argmax
   ops) vs the official ``ResNet.chnl_reduction`` + ``flow_computation`` + ``Flow_refinement``
   on its naive CPU path ``Matching_layer_mm`` (the official GPU path uses the compiled
   ``spatial_correlation_sampler``, which does not build here). Median wall time over
   ``repeats`` after one warm-up, and the peak resident memory added by the run (each
   measurement in a fresh process: ``ru_maxrss`` after minus before).
2. A whole train step (forward, cross-entropy, backward) of TSM-R50 + MS module vs the same
   TSM-R50 without it (``blocks=[]``), ``step_clips`` x 8 frames of 224 x 224, and the block's
   share of the step.
3. ``--pairs N``: ONE process per thread count builds both blocks (same input), runs one
   warm-up each, then ours, official, ours, official, ... and prints each pair's ratio
   official / ours and their median (on a shared, loaded machine the ratio of neighbouring runs
   survives the drift that separate processes do not).
Prints one JSON object per measurement and a summary table.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _block_case(which: str, checkout: str, clips: int, repeats: int) -> dict:
    import torch
    x = torch.randn(clips * 8, 512, 28, 28).relu()
    g = torch.randn_like(x)
    if which == 'ours':
        import motionsqueeze  # noqa: F401
        from motionsqueeze.models import MotionSqueezeBlock
        block = MotionSqueezeBlock(512, 8).train()
        run = block
    else:
        from motionsqueeze.testing import import_official, official_block, official_model
        model = official_model(import_official(checkout), depth=50, num_segments=8).train()

        def run(t):
            return official_block(model, t)
    base = _rss_mb()
    times = []
    for i in range(repeats + 1):
        xi = x.clone().requires_grad_()
        t0 = time.perf_counter()
        (run(xi) * g).sum().backward()
        if i:  # the first run is the warm-up
            times.append(time.perf_counter() - t0)
    return dict(case=f'block_{which}', seconds=statistics.median(times), all=times,
                peak_rss_added_mb=round(_rss_mb() - base, 1))


def _pairs_case(checkout: str, clips: int, pairs: int) -> dict:
    import motionsqueeze  # noqa: F401
    import torch
    from motionsqueeze.models import MotionSqueezeBlock
    from motionsqueeze.testing import import_official, official_block, official_model
    x = torch.randn(clips * 8, 512, 28, 28).relu()
    g = torch.randn_like(x)
    ours = MotionSqueezeBlock(512, 8).train()
    model = official_model(import_official(checkout), depth=50, num_segments=8).train()
    runs = {'ours': ours, 'official': lambda t: official_block(model, t)}

    def once(which):
        xi = x.clone().requires_grad_()
        t0 = time.perf_counter()
        (runs[which](xi) * g).sum().backward()
        return time.perf_counter() - t0

    once('ours'), once('official')  # warm-up
    rows = []
    for _ in range(pairs):
        a, b = once('ours'), once('official')
        rows.append(dict(ours=a, official=b, ratio=b / a))
    return dict(case='pairs', pairs=rows,
                median_ratio=statistics.median(r['ratio'] for r in rows),
                median_ours=statistics.median(r['ours'] for r in rows),
                median_official=statistics.median(r['official'] for r in rows))


def _step_case(with_block: bool, clips: int, repeats: int) -> dict:
    import motionsqueeze  # noqa: F401
    import torch
    import torch.nn.functional as F
    from mmaction.registry import MODELS
    from mmengine.registry import DefaultScope
    blocks = [dict(stage='layer2', block=dict(type='MotionSqueezeBlock'))] if with_block else []
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(dict(
            type='Recognizer2D',
            backbone=dict(type='ResNetTSMWithBlocks', depth=50, num_segments=8,
                          pretrained=None, norm_eval=False, blocks=blocks),
            cls_head=dict(type='TSMHead', num_classes=174, in_channels=2048, num_segments=8)))
    model.train()
    x = torch.randn(clips * 8, 3, 224, 224)
    y = torch.arange(clips) % 174
    times, block_times = [], []
    block = model.backbone.stage_blocks['layer2_after'] if with_block else None
    if block is not None:  # time the block's own forward inside the step
        starts = {}
        block.register_forward_pre_hook(lambda m, i: starts.__setitem__('t', time.perf_counter()))
        block.register_forward_hook(
            lambda m, i, o: block_times.append(time.perf_counter() - starts['t']))
    base = _rss_mb()
    for i in range(repeats + 1):
        model.zero_grad(set_to_none=True)
        t0 = time.perf_counter()
        logits = model.cls_head(model.backbone(x), num_segs=8)
        F.cross_entropy(logits, y).backward()
        if i:
            times.append(time.perf_counter() - t0)
    return dict(case='step_tsm_ms' if with_block else 'step_tsm', seconds=statistics.median(times),
                all=times, block_forward_seconds=statistics.median(block_times[1:])
                if block_times else None, peak_rss_added_mb=round(_rss_mb() - base, 1))


def _child(args) -> None:
    import torch
    torch.set_num_threads(args.threads_one)
    if args.case == 'pairs':
        out = _pairs_case(args.checkout, args.clips, args.pairs)
    elif args.case in ('ours', 'official'):
        out = _block_case(args.case, args.checkout, args.clips, args.repeats)
    else:
        out = _step_case(args.case == 'step_ms', args.step_clips, args.repeats)
    out['threads'] = args.threads_one
    print('RESULT ' + json.dumps(out), flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkout', help='checkout of arunos728/MotionSqueeze (e94684d)')
    p.add_argument('--threads', type=int, nargs='+', default=[1, os.cpu_count()])
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--clips', type=int, default=8)
    p.add_argument('--step-clips', type=int, default=1)
    p.add_argument('--skip-step', action='store_true')
    p.add_argument('--pairs', type=int, default=0,
                   help='interleaved ours/official pairs in one process (no train step)')
    p.add_argument('--case', help=argparse.SUPPRESS)
    p.add_argument('--threads-one', type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.case:
        _child(args)
        return 0
    print(f'# uptime: {os.popen("uptime").read().strip()}', flush=True)
    cases = ['ours', 'official'] + ([] if args.skip_step else ['step_ms', 'step_plain'])
    if args.pairs:
        cases = ['pairs']
    results = []
    for threads in args.threads:
        for case in cases:
            if case.startswith('step') and threads != args.threads[-1]:
                continue  # the train step at all threads only
            cmd = [sys.executable, __file__, args.checkout, '--case', case, '--threads-one',
                   str(threads), '--repeats', str(args.repeats), '--clips', str(args.clips),
                   '--step-clips', str(args.step_clips), '--pairs', str(args.pairs)]
            res = subprocess.run(cmd, capture_output=True, text=True)
            line = [ln for ln in res.stdout.splitlines() if ln.startswith('RESULT ')]
            if res.returncode or not line:
                print(res.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f'benchmark case {case} failed')
            out = json.loads(line[0][len('RESULT '):])
            print(json.dumps(out), flush=True)
            results.append(out)
    print(f'# uptime: {os.popen("uptime").read().strip()}')
    for r in results:
        if r['case'] == 'pairs':
            ratios = ' '.join(f'{p["ratio"]:.2f}' for p in r['pairs'])
            print(f'threads {r["threads"]}: block fwd+bwd ours {r["median_ours"]:.3f} s, official '
                  f'{r["median_official"]:.3f} s (medians); official / ours per pair: {ratios}; '
                  f'median {r["median_ratio"]:.2f}x')
    by = {(r['case'], r['threads']): r for r in results}
    for threads in args.threads:
        o, f = by.get(('block_ours', threads)), by.get(('block_official', threads))
        if o and f:
            print(f'threads {threads}: block fwd+bwd ours {o["seconds"]:.3f} s '
                  f'({o["peak_rss_added_mb"]} MB) vs official {f["seconds"]:.3f} s '
                  f'({f["peak_rss_added_mb"]} MB): {f["seconds"] / o["seconds"]:.2f}x')
    s_ms, s_pl = by.get(('step_tsm_ms', args.threads[-1])), by.get(('step_tsm', args.threads[-1]))
    if s_ms and s_pl:
        print(f'train step ({args.step_clips} x 8 x 224^2, threads {args.threads[-1]}): TSM '
              f'{s_pl["seconds"]:.3f} s, TSM+MS {s_ms["seconds"]:.3f} s (+'
              f'{100 * (s_ms["seconds"] / s_pl["seconds"] - 1):.1f} %); MS forward '
              f'{s_ms["block_forward_seconds"]:.3f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
