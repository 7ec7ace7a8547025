"""GFLOPs (fvcore) and CPU inference time per clip, with and without STTS selection.

    python packages/stts/tools/benchmark_selection.py CONFIG [CONFIG ...] [--repeats 2]
        [--threads 2] [--no-time]

Builds each config's model (random weights: timing does not depend on them), counts GFLOPs of
one test view (the paper's clip size: 32 x 224 x 224 for VideoSwin, 16 x 224 x 224 for MViT)
with token selection and with the selectors bypassed, and times ``backbone + head`` in eval mode
on one clip (median of ``--repeats`` interleaved runs after one warm-up). Prints a markdown table.
"""
from __future__ import annotations

import argparse
import os.path as osp
import time

import stts  # noqa: F401
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from stts.flops import count_gflops, selection_disabled


def clip_shape(cfg) -> tuple[int, ...]:
    bb = cfg.model.backbone
    if bb.type == 'STTSMViT':
        return (3, bb.temporal_size, bb.spatial_size, bb.spatial_size)
    return (3, bb.num_frames, bb.image_size, bb.image_size)


def time_clip(model, shape, repeats):
    """Median seconds per clip with and without selection, runs interleaved (after a warm-up)."""
    x = torch.randn(1, *shape)
    times = {True: [], False: []}
    with torch.no_grad():
        for i in range(repeats + 1):
            for selected in ((True, False) if i % 2 else (False, True)):
                t0 = time.perf_counter()
                if selected:
                    model.cls_head(model.backbone(x))
                else:
                    with selection_disabled(model.backbone):
                        model.cls_head(model.backbone(x))
                if i:
                    times[selected].append(time.perf_counter() - t0)
    return [sorted(v)[len(v) // 2] for v in (times[True], times[False])]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('configs', nargs='+')
    p.add_argument('--repeats', type=int, default=2)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--no-time', action='store_true')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    init_default_scope('mmaction')
    from mmaction.registry import MODELS
    print('| config | clip | GFLOPs selected | GFLOPs unselected | CPU s/clip selected |'
          ' CPU s/clip unselected | speed-up |')
    print('|---|---|---|---|---|---|---|')
    for path in args.configs:
        cfg = Config.fromfile(path)
        model = MODELS.build(cfg.model).eval()
        shape = clip_shape(cfg)
        g_sel = count_gflops(model, shape, selected=True)
        g_full = count_gflops(model, shape, selected=False)
        if args.no_time:
            ts = tf = float('nan')
        else:
            ts, tf = time_clip(model, shape, args.repeats)
        print(f'| {osp.basename(path)[:-3]} | {"x".join(map(str, shape[1:]))} | {g_sel:.1f} |'
              f' {g_full:.1f} | {ts:.2f} | {tf:.2f} | {tf / ts:.2f}x |', flush=True)


if __name__ == '__main__':
    main()
