"""Ours vs the official HGPU on the same CPU, same weights, same input; and the dense CRF's
share of the official test protocol's time.

    .venv/bin/python packages/hgpu/benchmarks/bench_official.py /tmp/HGPU \
        [--size 128] [--mode main] [--reps 3] [--threads 1] [--full-size 512] [--out f.json]

The official checkout is imported, never copied (the harness of tests/golden/make_golden.py:
``torchvision.resnet101(weights=None)`` instead of the ImageNet download, the hard-coded
output size ``ws`` set to the input size, ``EncoderNet.flag`` set to the mode). Both models are
three ResNet-101 streams with the official architecture; the official state dict gets the
seeded weights of the golden harness and ours the same weights through ``hgpu.convert``, so the
two compute the same masks (the largest difference is printed).

Timed, interleaved (official, ours, official, ...), median of ``--reps`` after one warm-up:

* inference: encoder + decoder forward, eval mode, ``no_grad``, batch 1 (the official test);
* train step: train mode, forward, ½ (BCE(mask_1) + BCE(mask_2)) with a pixel weight
  (``F.binary_cross_entropy(p, y, weight=w)``, the official loss's value), backward, one SGD
  step (momentum 0.9, weight decay 5e-4), batch ``--train-batch`` (2: iAFF's global branch
  has a BatchNorm after global pooling, which needs 2 samples in train mode; official 5);
* the CRF share: one forward of OUR model at ``--full-size`` (the paper's 512), times 2 for the
  flip test, against :func:`hgpu.crf.davis_crf` on a 480 x 854 frame (DAVIS 480p) and a
  smooth probability map; share = CRF / (2 forwards + CRF).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import os.path as osp
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = osp.dirname(osp.abspath(__file__))
GOLDEN = osp.join(HERE, '..', 'tests', 'golden', 'make_golden.py')


def _harness():
    spec = importlib.util.spec_from_file_location('hgpu_make_golden', GOLDEN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build_ours(mode: str):
    import hgpu  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    cfg = dict(type='HGPUSegmentor',
               backbone=dict(type='HGPUEncoder', mode=mode,
                             backbone=dict(type='ResNet', depth=101)),
               decode_head=dict(type='HGPUHead'))
    with torch.device('meta'):
        model = MODELS.build(cfg)
    return model.to_empty(device='cpu')


def _inputs(size: int, batch: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 9, size, size, generator=g)
    target = (torch.rand(batch, 2, size, size, generator=g) > 0.7).float()
    weight = 1.0 + torch.rand(batch, 2, size, size, generator=g) * (1 - target)
    return x, target, weight


def _loss(m1, m2, target, weight):
    return 0.5 * (F.binary_cross_entropy(m1, target[:, :1], weight=weight[:, :1])
                  + F.binary_cross_entropy(m2, target[:, 1:], weight=weight[:, 1:]))


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkout', help='official HGPU checkout (libs/model/HGPU.py)')
    p.add_argument('--size', type=int, default=128, help='input side of the comparison')
    p.add_argument('--mode', default='main', choices=('pre', 'main'))
    p.add_argument('--reps', type=int, default=3)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--train-batch', type=int, default=2)
    p.add_argument('--full-size', type=int, default=512,
                   help='input side of the CRF-share measurement (0: skip it)')
    p.add_argument('--out', help='write the figures to this JSON file')
    args = p.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'libs', 'model', 'HGPU.py')):
        p.error(f'{args.checkout} is not a checkout of the official HGPU repository')
    torch.set_num_threads(args.threads)
    harness = _harness()
    official, _ = harness._import_official(args.checkout)
    official.ws = args.size
    official.EncoderNet.flag = args.mode
    from hgpu.convert import convert

    enc, dec = official.EncoderNet(), official.DecoderNet()
    enc_shapes, dec_shapes = harness.randomise(enc, seed=5), harness.randomise(dec, seed=6)
    ours = build_ours(args.mode)
    state = {**harness.seeded_state_dict(enc_shapes, 5), **harness.seeded_state_dict(dec_shapes, 6)}
    ours.load_state_dict(convert(state), strict=True)
    batch = {'x': None}

    def use(b):
        batch['x'], batch['target'], batch['weight'] = _inputs(args.size, b)

    def official_forward():
        x = batch['x']
        return dec(*enc(x[:, :3], x[:, 3:6], x[:, 6:]))

    def ours_forward():
        out = ours.decode_head(ours.backbone(batch['x']))
        return out[:, :1], out[:, 1:]

    use(1)

    # the same masks (eval mode, same weights)
    for m in (enc, dec, ours):
        m.eval()
    with torch.no_grad():
        a, b = official_forward(), ours_forward()
    max_diff = max(float((a[i] - b[i]).abs().max()) for i in (0, 1))

    inference = {'official': [], 'ours': []}
    with torch.no_grad():
        official_forward(), ours_forward()  # warm-up
        for _ in range(args.reps):
            inference['official'].append(_time(official_forward))
            inference['ours'].append(_time(ours_forward))

    for m in (enc, dec, ours):
        m.train()
    opt_official = torch.optim.SGD(list(enc.parameters()) + list(dec.parameters()), lr=1e-4,
                                   momentum=0.9, weight_decay=5e-4)
    opt_ours = torch.optim.SGD([q for q in ours.parameters() if q.requires_grad], lr=1e-4,
                               momentum=0.9, weight_decay=5e-4)

    def step(forward, opt):
        def run():
            opt.zero_grad(set_to_none=True)
            m1, m2 = forward()
            _loss(m1, m2, batch['target'], batch['weight']).backward()
            opt.step()
        return run

    use(args.train_batch)  # the iAFF global branch's BN needs 2 samples in train mode
    train = {'official': [], 'ours': []}
    step(official_forward, opt_official)(), step(ours_forward, opt_ours)()  # warm-up
    for _ in range(args.reps):
        train['official'].append(_time(step(official_forward, opt_official)))
        train['ours'].append(_time(step(ours_forward, opt_ours)))

    med = {k: {n: statistics.median(v) for n, v in d.items()}
           for k, d in (('inference_s', inference), ('train_step_s', train))}
    res = dict(size=args.size, mode=args.mode, train_batch=args.train_batch,
               threads=torch.get_num_threads(), reps=args.reps,
               load_1min=os.getloadavg()[0], cpus=os.cpu_count(), max_mask_diff=max_diff,
               inference_s=inference, train_step_s=train, median=med,
               speedup={k: med[k]['official'] / med[k]['ours'] for k in med})

    if args.full_size:
        from hgpu.crf import davis_crf
        ours.eval()
        xf = torch.randn(1, 9, args.full_size, args.full_size)
        with torch.no_grad():
            forward = [_time(lambda: ours.decode_head(ours.backbone(xf))) for _ in range(2)]
        yy, xx = np.mgrid[:480, :854]
        disk = (yy - 240) ** 2 + (xx - 427) ** 2 < 150 ** 2
        rng = np.random.default_rng(0)
        frame = np.where(disk[..., None], 200, 50).astype(np.uint8).repeat(3, 2)
        frame = np.clip(frame + rng.normal(0, 10, frame.shape), 0, 255).astype(np.uint8)
        prob = np.clip(np.where(disk, 0.8, 0.2) + rng.normal(0, 0.1, disk.shape), 0, 1)
        davis_crf(frame, prob)  # warm-up
        crf = [_time(lambda: davis_crf(frame, prob)) for _ in range(args.reps)]
        fwd, c = min(forward), statistics.median(crf)
        res['crf'] = dict(full_size=args.full_size, forward_s=forward, crf_s=crf,
                          frame='480 x 854',
                          share_flip_protocol=c / (2 * fwd + c), share_single=c / (fwd + c))
    res['load_1min_end'] = os.getloadavg()[0]
    text = json.dumps(res, indent=1)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
