"""Overhead of GTA over its base model: one training step and one clip at inference, with and
without the GTA blocks, on CPU.

    python packages/gta/benchmarks/overhead.py [--threads 1] [--repeat 5] [--size 224]
        [--which tsm i3d synthetic] [--json OUT]

Models (built from the configs, random initialisation, no pretrained weights): the paper
configs' TSM-R50 (8 frames, 5 GTA blocks in layer2 / layer3) and I3D-R50 (32 frames, 5 GTA
blocks, T = 4 at the blocks), and the synthetic config's TSM-R18 (1 block, 32 x 32). The base
model is the same config with ``blocks=[]`` (mmaction2's own ResNetTSM / ResNet3d layers).
Train step: forward + cross-entropy + backward + SGD step on 1 clip; inference: ``predict``
of 1 clip (eval mode, no_grad). Both models are built in one process and timed interleaved by
``cvshared.harness.time_interleaved`` (one warm-up each, then GTA, base, GTA, base, ...,
denormals flushed), so the machine's drift hits both alike; the overhead is the median over the
pairs of GTA / base - 1.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIGS = {'tsm': 'gta_tsm-r50_1x1x8_50e_sthv1.py', 'i3d': 'gta_i3d-r50_32x1x1_100e_sthv1.py',
           'synthetic': 'gta_tsm-r18_1x1x8_10e_synthetic.py'}


def build(name: str, with_gta: bool):
    import gta  # noqa: F401
    from gta.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'gta', CONFIGS[name])).model
    cfg.backbone.pretrained = None
    cfg.backbone.pretrained2d = False
    if not with_gta:
        cfg.backbone.blocks = []
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg)
    model.init_weights()
    return model


def clip(name: str, size: int):
    if name == 'synthetic':
        return torch.randn(1, 8, 3, 32, 32)
    if name == 'tsm':
        return torch.randn(1, 8, 3, size, size)
    return torch.randn(1, 1, 3, 32, size, size)


def step_fn(model, x):
    from mmaction.structures import ActionDataSample
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    sample = ActionDataSample().set_gt_label(0)

    def step():
        model.train()
        loss = model(x, [sample], mode='loss')['loss_cls']
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def infer_fn(model, x):
    from mmaction.structures import ActionDataSample

    def infer():
        model.eval()
        with torch.no_grad():
            model(x, [ActionDataSample()], mode='predict')
    return infer


def measure(name: str, size: int, repeat: int, threads: int) -> dict:
    from cvshared.harness import time_interleaved
    x = clip(name, size)
    models = {'base': build(name, False), 'gta': build(name, True)}
    out = {}
    for kind, make in (('train_step', step_fn), ('inference', infer_fn)):
        t = time_interleaved(make(models['gta'], x), make(models['base'], x), rounds=repeat,
                             threads=threads)
        # time_interleaved's "ours" = GTA, "official" = the base model
        out[kind] = dict(base_ms=t['official_ms'], gta_ms=t['ours_ms'],
                         overhead=round(1.0 / t['official_over_ours'] - 1.0, 3),
                         pair_overheads=[round(1.0 / r - 1.0, 3) for r in t['ratios']],
                         load=t['load'])
    out['params_M'] = {k: round(sum(p.numel() for p in m.parameters()) / 1e6, 3)
                       for k, m in models.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--which', nargs='+', default=['synthetic', 'tsm', 'i3d'],
                        choices=sorted(CONFIGS))
    parser.add_argument('--json')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = {}
    for name in args.which:
        results[name] = measure(name, args.size, args.repeat, args.threads)
        print(name, json.dumps(results[name]), flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(threads=args.threads, size=args.size, repeat=args.repeat,
                           results=results), f, indent=1)


if __name__ == '__main__':
    main()
