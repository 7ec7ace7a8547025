"""PPAP's loss (forward + backward) beside the official ``loss.py::SupConLoss``, CPU.

    python packages/ppap/benchmarks/loss_vs_official.py /path/to/PPAP [--images 16] [--rounds 5]

Inputs at the paper's patch count and width (cocostuff16.json: ViT-S/16 at 224, 14 x 14
patches an image, D = 384, chunks of 784 patches = 4 images, tau 0.8, phi0 0.55, psi0 0.15,
2 propagation steps, sigma 3 / 4, trainpatchsplit 4; the official batch is 64 images = 16
chunks on a GPU, ``--images 64``): ``feat`` clustered random features (27 centres), ``z``
random unit vectors. The official runs on the CPU through the golden harness's run-time
patches (``cuda_calls_on_cpu``, ``device=`` dropped from ``torch.ones`` / ``torch.arange``;
no file edited). Prints (1) the interleaved timing of both in one process (A B A B, median
ratio, ``cvshared.harness.time_interleaved``, one thread), (2) the bytes autograd saves for
the backward pass of each (``saved_tensors_hooks``), (3) both losses (equal with the same
global seed: tests/test_golden.py).
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys

SETTING = dict(temperature=0.8, phi0=0.55, psi0=0.15, prop_iter=2, sigma_pos=3, sigma_amb=4,
               anchor_split=4)


def _inputs(images: int, dim: int = 384, side: int = 14):
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(0)
    n = images * side * side
    centres = torch.randn(27, dim, generator=g)
    feat = centres[torch.randint(0, 27, (n,), generator=g)] + torch.randn(n, dim, generator=g)
    feat = feat.view(images, side, side, dim).permute(0, 3, 1, 2).contiguous()
    z = F.normalize(torch.randn(n, dim, generator=g), dim=1)
    return feat, z


def _steps(checkout: str, images: int):
    import torch
    from cvshared.harness import cuda_calls_on_cpu
    from ppap.models.proxy_propagation import ppap_loss
    sys.path.insert(0, checkout)
    sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', 'tests', 'golden'))
    from loss import SupConLoss
    from make_golden import cpu_allocations

    feat, z0 = _inputs(images)
    opt = dict(initialcrit_pos=SETTING['phi0'], initialcrit_amb=SETTING['psi0'],
               prop_iter=SETTING['prop_iter'], sigma_pos=SETTING['sigma_pos'],
               sigma_amb=SETTING['sigma_amb'], trainpatchsplit=SETTING['anchor_split'])
    official_loss = SupConLoss(temperature=SETTING['temperature'], contrast_mode='one', opt=opt)

    def ours():
        z = z0.clone().requires_grad_()
        torch.manual_seed(0)
        loss = ppap_loss(z, feat, **SETTING)[0]
        loss.backward()
        return float(loss)

    def official():
        z = z0.clone().requires_grad_()
        torch.manual_seed(0)
        with cuda_calls_on_cpu(), cpu_allocations():
            loss = official_loss(z, feat)[0]
        loss.backward()
        return float(loss.detach())

    return ours, official


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('checkout')
    ap.add_argument('--images', type=int, default=16, help='a multiple of 4 (784-patch chunks)')
    ap.add_argument('--rounds', type=int, default=5)
    args = ap.parse_args(argv)
    if args.images % 4:
        ap.error('--images must be a multiple of 4 (chunks of 784 patches of 14 x 14 images)')
    import warnings
    warnings.filterwarnings('ignore')
    from cvshared.harness import saved_for_backward_bytes, time_interleaved
    ours, official = _steps(args.checkout, args.images)
    timing = time_interleaved(ours, official, rounds=args.rounds, threads=1)
    memory = {}
    for name, step in (('ours', ours), ('official', official)):
        value, saved = saved_for_backward_bytes(step)
        memory[name] = dict(loss=value, saved_for_backward_mib=round(saved / 2 ** 20, 1))
    print(json.dumps(dict(images=args.images, patches=args.images * 196, timing=timing,
                          memory=memory), indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
