"""Pseudo-label generation per image at the paper's resolution: AD-CAM's coupling against the
TransCAM baseline (same CAMs, same attention), time and peak memory.

    python packages/adcam/benchmarks/pseudo_labels_vs_transcam.py [--device cpu|cuda]
        [--size 375 500] [--scales 1.0 0.5 1.5 2.0] [--with-backbone] [--repeats 3]
        [--similarity jaccard|cosine]

Setting: a VOC-sized image (default 375 x 500), TransCAM's inference scales (1, 0.5, 1.5, 2)
with flip (batch 2 per scale), Conformer-S (12 blocks, 6 heads, patch 16) token grids
(ceil(side * scale / 16)), 20 classes. Default: the coupling step alone (aggregated attention
of 12 blocks -> coupled CAM) on random non-uniform attention of the right sizes; with
``--with-backbone`` the whole ``forward_cam`` of a randomly initialised Conformer-S CAM net
(backbone + heads + coupling; the weights do not change the cost). Each method runs in its own
subprocess; peak memory is ``torch.cuda.max_memory_allocated`` on a GPU, the process's peak
resident set size (``ru_maxrss``, includes torch itself) on the CPU. Threads: the torch default
unless ``OMP_NUM_THREADS`` is set.
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time


def _grids(size, scales):
    return [(math.ceil(size[0] * s / 16), math.ceil(size[1] * s / 16)) for s in scales]


def run_one(method: str, args) -> dict:
    import torch
    from adcam.models import AdcamCAMNet, couple
    from adcam.models.cam_net import ADCAM_COUPLING
    dev = torch.device(args.device)
    cfg = dict(ADCAM_COUPLING, similarity=args.similarity) if method == 'adcam' else {}
    if args.with_backbone:
        net = AdcamCAMNet(backbone=dict(type='AdcamConformer', arch='small'), method=method,
                          coupling_cfg=dict(similarity=args.similarity))
        net.to(dev).eval()
        inputs = [torch.randn(2, 3, h * 16, w * 16, device=dev)
                  for h, w in _grids(args.size, args.scales)]

        def once():
            for x in inputs:
                net.forward_cam(x, method)
    else:
        g = torch.Generator(device='cpu').manual_seed(0)
        data = []
        for h, w in _grids(args.size, args.scales):
            n = h * w
            attn = torch.softmax(4 * torch.randn(2, n, n, generator=g), -1) * 12
            cam = torch.randn(2, 20, h, w, generator=g).relu()
            data.append((cam.to(dev), attn.to(dev)))

        def once():
            for cam, attn in data:
                couple(cam, attn, method, **cfg)
    with torch.no_grad():
        once()                                   # warm-up
        if dev.type == 'cuda':
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            once()
            if dev.type == 'cuda':
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
    peak = (torch.cuda.max_memory_allocated() / 2 ** 20 if dev.type == 'cuda'
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return dict(method=method, s_per_image=min(times), peak_mib=round(peak, 1),
                threads=torch.get_num_threads(), tokens=[h * w for h, w in
                                                        _grids(args.size, args.scales)])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default='cpu')
    p.add_argument('--size', type=int, nargs=2, default=(375, 500))
    p.add_argument('--scales', type=float, nargs='+', default=(1.0, 0.5, 1.5, 2.0))
    p.add_argument('--with-backbone', action='store_true')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--similarity', default='jaccard', help="AD-CAM's refinement similarity "
                   "(default the package's 'jaccard'; 'cosine' is one matrix product)")
    p.add_argument('--method', help=argparse.SUPPRESS)     # the subprocess
    args = p.parse_args(argv)
    if args.method:
        print(json.dumps(run_one(args.method, args)))
        return
    rows = []
    for method in ('transcam', 'adcam'):
        cmd = [sys.executable, __file__, '--method', method, '--device', args.device,
               '--size', *map(str, args.size), '--scales', *map(str, args.scales),
               '--repeats', str(args.repeats), '--similarity', args.similarity] + \
            (['--with-backbone'] if args.with_backbone else [])
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    what = 'forward_cam (Conformer-S + heads + coupling)' if args.with_backbone else 'coupling'
    print(f'{what}, image {args.size[0]} x {args.size[1]}, scales {list(args.scales)} + flip, '
          f'tokens per scale {rows[0]["tokens"]}, device {args.device}, '
          f'{rows[0]["threads"]} threads, AD-CAM similarity {args.similarity}')
    print('| method | s / image | peak memory (MiB) |\n|---|---|---|')
    for r in rows:
        print(f'| {r["method"]} | {r["s_per_image"]:.3f} | {r["peak_mib"]} |')


if __name__ == '__main__':
    main()
