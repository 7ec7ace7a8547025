"""Overhead of the collaborative memory over its base model, per training step and per clip at
inference (CPU; the thread count is set by ``--threads``, default 1).

    python packages/collabmem/benchmarks/benchmark_memory.py [--model i3d|tiny|both]
        [--clips 3] [--frames 8] [--size 112] [--repeats 3] [--threads 1]

Base = the same recognizer without the memory block (mmaction2 ``ResNet3d`` + ``I3DHead``,
the paper config's backbone); ours = with ``CollaborativeMemory`` after layer3 (I3D-R50) or
layer1 (tiny). One training step = forward + backward + SGD step of one video of N clips (both
models get the same N clips: the overhead of the block, not of the multi-clip sampling, which
the base's clip-level training does not pay). Inference = ``predict`` of one video of N clips,
reported per clip. Times are the median of ``--repeats`` interleaved runs after one warm-up.
"""
from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch


def build(kind: str, with_memory: bool):
    import collabmem  # noqa: F401
    from collabmem.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    name = ('configs/collabmem/collabmem_i3d-r50_3x32x2_100e_kinetics400.py' if kind == 'i3d'
            else 'configs/collabmem/collabmem_r3d-tiny_2x4x1_10e_synthetic.py')
    cfg = copy.deepcopy(Config.fromfile(name).model)
    cfg.backbone.pretrained = None
    cfg.backbone.pretrained2d = False
    if not with_memory:
        cfg.backbone.blocks = []
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg)
    if with_memory:       # gates away from identity, as after training
        for block in model.memories():
            torch.nn.init.normal_(block.gate.weight, std=0.1)
    return model


def memory_flops(model, x):
    """Forward FLOPs per clip of the memory blocks (GAP adds, the four linear maps, the N x N
    attention and its read, the sigmoid gates and the gating product; multiply-add = 2), from
    the shapes seen in one forward; the base model's per-clip forward FLOPs by fvcore."""
    shapes = {}
    hooks = [b.register_forward_hook(lambda m, i, o, b=b: shapes.__setitem__(b, o.shape))
             for b in model.memories()]
    model.eval()
    with torch.no_grad():
        model(x, mode='tensor')
    for h in hooks:
        h.remove()
    n = x.shape[1]
    total = 0
    for b, shape in shapes.items():
        c, volume, m = shape[1], int(torch.tensor(shape[2:]).prod()), b.mem_channels
        total += (c * volume                       # GAP
                  + 2 * (3 * c * m + m * c)        # query, key, value, gate maps
                  + 2 * 2 * n * m                  # logits over N entries and the read
                  + 4 * c                          # sigmoid and scale
                  + c * volume)                    # gating product
    try:
        from fvcore.nn import FlopCountAnalysis
        base = build_for_flops(model)
        clip = x[:1, :1].flatten(0, 1)
        with torch.no_grad():
            count = FlopCountAnalysis(base, clip).unsupported_ops_warnings(False)
            count = count.uncalled_modules_warnings(False)
            base_flops = f'{int(2 * count.total()):,}'      # fvcore counts multiply-adds
    except ImportError:
        base_flops = 'fvcore not installed'
    return dict(memory=total, base=base_flops)


class _Backbone(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.backbone, self.head = model.backbone, model.cls_head

    def forward(self, x):
        return self.head(self.backbone(x))


def build_for_flops(model):
    import copy as _copy
    m = _copy.deepcopy(model)
    for b in m.memories():
        b.num_clips = 1
    return _Backbone(m).eval()


def time_it(fn, repeats):
    fn()
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def bench(kind, clips, frames, size, repeats):
    from mmaction.structures import ActionDataSample
    models = {'base': build(kind, False), 'memory': build(kind, True)}
    x = torch.randn(1, clips, 3, frames, size, size)
    samples = [ActionDataSample().set_gt_label(0)]
    opt = {k: torch.optim.SGD(m.parameters(), lr=1e-4) for k, m in models.items()}

    def train(k):
        m = models[k].train()
        loss = m(x, samples, mode='loss')['loss_cls']
        opt[k].zero_grad()
        loss.backward()
        opt[k].step()

    def infer(k):
        m = models[k].eval()
        with torch.no_grad():
            m(x, samples, mode='predict')

    times = {('train', k): [] for k in models} | {('infer', k): [] for k in models}
    for _ in range(repeats):          # interleaved, so machine load hits both alike
        for k in models:
            times[('train', k)] += time_it(lambda k=k: train(k), 1)
            times[('infer', k)] += time_it(lambda k=k: infer(k), 1)
    params = {k: sum(p.numel() for p in m.parameters()) for k, m in models.items()}
    flops = memory_flops(models['memory'], x)
    print(f'\n{kind}: 1 video x {clips} clips x {frames} x {size} x {size}, {repeats} repeats')
    print(f'  parameters: base {params["base"]:,}  memory {params["memory"]:,}  '
          f'(+{params["memory"] - params["base"]:,} = '
          f'{100 * (params["memory"] / params["base"] - 1):.2f} %)')
    print(f'  memory FLOPs per clip (analytic, forward): {flops["memory"]:,}; base forward '
          f'per clip (fvcore): {flops["base"]}')
    for what, per in (('train step', 1), ('inference per clip', clips)):
        key = 'train' if what == 'train step' else 'infer'
        b = statistics.median(times[(key, 'base')]) / per
        m = statistics.median(times[(key, 'memory')]) / per
        print(f'  {what:18s}: base {1000 * b:9.1f} ms  memory {1000 * m:9.1f} ms  '
              f'overhead {100 * (m / b - 1):+.1f} %')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', choices=('i3d', 'tiny', 'both'), default='both')
    p.add_argument('--clips', type=int, default=3)
    p.add_argument('--frames', type=int, default=8)
    p.add_argument('--size', type=int, default=112)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} thread(s), CPU')
    if args.model in ('tiny', 'both'):
        bench('tiny', 2, 4, 16, max(args.repeats, 10))
    if args.model in ('i3d', 'both'):
        bench('i3d', args.clips, args.frames, args.size, args.repeats)


if __name__ == '__main__':
    main()
