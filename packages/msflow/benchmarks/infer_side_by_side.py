"""Inference time of MSFlow at the paper setting, ours (fast / reference path) vs the official.

    python packages/msflow/benchmarks/infer_side_by_side.py --impl ours-fast --threads 1
    python packages/msflow/benchmarks/infer_side_by_side.py --impl ours-ref --threads 1
    python packages/msflow/benchmarks/infer_side_by_side.py --impl official \
        --official /path/to/msflow_checkout --threads 1

One implementation per process; 512x512 input, batch 1, wide_resnet50_2 (reflection padding)
with random weights + the paper's flows; forward + scoring (anomaly maps and image score), one
warm-up then ``--iters`` timed iterations. Prints wall and CPU seconds per iteration (CPU time
is the steadier figure on a shared machine), the thread count and the load average. The
official path imports the official modules from the checkout (like
``tests/golden/make_golden.py``: ``wandb`` stubbed, CPU device) and calls its
``train.model_forward`` and ``post_process.post_process``; nothing of it is copied here.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import types
from types import SimpleNamespace

import torch


def _official(root):
    sys.path.insert(0, os.path.abspath(root))
    sys.modules.setdefault('wandb', types.ModuleType('wandb'))
    import torchvision.io as tio
    for name in ('read_video', 'write_jpeg'):
        if not hasattr(tio, name):
            setattr(tio, name, None)
    import models.flow_models as flow_models
    import models.resnet.resnet as resnet
    import post_process
    import train
    c = SimpleNamespace(c_conds=[64] * 3, parallel_blocks=[2, 5, 8], clamp_alpha=1.9,
                        input_size=(512, 512), top_k=0.03, device='cpu', pool_type='avg')
    ext = resnet.wide_resnet50_2(pretrained=False).eval()
    pf, ff = flow_models.build_msflow_model(c, [256, 512, 1024])
    for f in pf:
        f.eval()
    ff.eval()

    def step(x):
        z, _ = train.model_forward(c, ext, pf, ff, x)
        logp = [[-0.5 * torch.mean(zz ** 2, 1)] for zz in z]
        return post_process.post_process(c, [list(zz.shape[-2:]) for zz in z], logp)
    return step


def _ours(fast):
    import msflow  # noqa: F401
    from msflow.registry import MODELS
    model = MODELS.build(dict(type='MSFlow', backbone=dict(
        type='FrozenTimmExtractor', model_name='wide_resnet50_2', padding_mode='reflect'),
        fast_path=fast)).eval()
    return lambda x: model(x, mode='predict')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--impl', choices=('ours-fast', 'ours-ref', 'official'),
                        required=True)
    parser.add_argument('--official', help='checkout of cool-xuan/msflow (for --impl official)')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--iters', type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    step = (_official(args.official) if args.impl == 'official'
            else _ours(args.impl == 'ours-fast'))
    x = torch.randn(1, 3, 512, 512)
    with torch.no_grad():
        step(x)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.iters):
            step(x)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f'{args.impl}: {wall / args.iters:.3f} s/iter wall, {cpu / args.iters:.3f} s/iter '
          f'CPU, {torch.get_num_threads()} thread(s), load average '
          f'{" ".join(f"{v:.2f}" for v in os.getloadavg())}')


if __name__ == '__main__':
    main()
