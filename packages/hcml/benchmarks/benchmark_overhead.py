"""The overhead of HCML (motion hierarchy + contrastive losses) over its base recognizer, per
training step and per clip at inference, on CPU.

    python packages/hcml/benchmarks/benchmark_overhead.py [--setting synthetic|tsm-r50]
        [--clips N] [--reps R] [--threads 1]

``synthetic``: the configs/hcml synthetic pair (2D ResNet-18, 8 frames of 64 x 64, HCML at
layer1..4 with 16 channels, vs the same TSN without it). ``tsm-r50``: the paper configs' model
(TSM-ResNet-50, 8 frames of 224 x 224, HCML at layer1..4 with 32/64/128/256 channels, E = 128,
7 x 7 grid) vs mmaction2's TSM-R50 (the same config with ``motion=None, contrastive=None``).
Random weights (speed does not depend on them), random frames; the median of ``reps`` timed
runs after one warm-up. Train step = forward of the loss dict + backward + SGD step.
"""
from __future__ import annotations

import argparse
import os.path as osp
import statistics
import time

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIGS = {'synthetic': ('configs/hcml/hcml_r18_1x1x8_12e_synthetic.py', 64, 4),
           'tsm-r50': ('configs/hcml/hcml_tsm-r50_1x1x8_50e_ucf101-split1.py', 224, 101)}


def build(setting: str, with_hcml: bool):
    import hcml  # noqa: F401
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    path, _, _ = CONFIGS[setting]
    cfg = Config.fromfile(osp.join(REPO, path)).model
    cfg.backbone.pretrained = None
    if 'TSM' in cfg.backbone.type:
        cfg.backbone.pretrained2d = False
    if not with_hcml:
        cfg.backbone.motion = None
        cfg.contrastive = None
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg)
    model.init_weights()
    return model


def timed(fn, reps: int) -> float:
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(setting: str, with_hcml: bool, clips: int, reps: int) -> dict:
    from mmaction.structures import ActionDataSample
    _, size, classes = CONFIGS[setting]
    model = build(setting, with_hcml)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(clips, 8, 3, size, size, generator=g)
    samples = [ActionDataSample().set_gt_label(torch.tensor([i % classes])) for i in range(clips)]
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)

    def step():
        model.train()
        losses = model(x, samples, mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        opt.zero_grad()
        loss.backward()
        opt.step()

    def infer():
        model.eval()
        with torch.no_grad():
            model(x, samples, mode='predict')
    params = sum(p.numel() for p in model.parameters())
    return dict(train=timed(step, reps), infer=timed(infer, reps) / clips, params=params)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--setting', choices=sorted(CONFIGS), default='synthetic')
    p.add_argument('--clips', type=int, default=2)
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    base = measure(args.setting, False, args.clips, args.reps)
    ours = measure(args.setting, True, args.clips, args.reps)
    print(f'setting {args.setting}, {args.clips} clips x 8 frames, CPU, {args.threads} '
          f'thread(s), median of {args.reps}')
    print('| model | params (M) | train step (s) | inference per clip (s) |')
    print('|---|---|---|---|')
    for name, r in (('base (no HCML)', base), ('HCML', ours)):
        print(f'| {name} | {r["params"] / 1e6:.2f} | {r["train"]:.3f} | {r["infer"]:.3f} |')
    print(f'| overhead | +{(ours["params"] / base["params"] - 1) * 100:.1f} % | '
          f'x{ours["train"] / base["train"]:.2f} | x{ours["infer"] / base["infer"]:.2f} |')


if __name__ == '__main__':
    main()
