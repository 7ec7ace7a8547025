"""HP's loss (forward + backward) beside the official ``loss.py::SupConLoss``, CPU.

    python packages/hp/benchmarks/loss_vs_official.py /path/to/HP [--images 4] [--rounds 5]

Inputs at the paper's patch count and widths (COCO-Stuff, ViT-S/8): ``images`` x 28 x 28
patches, backbone features D = 384, head codes and projections d = 512, reference pools of
2048, tau 0.8, rho 0.02, lambda 0.3 (the official batch is 64 images on a GPU; the CPU runs a
few). Prints (1) the interleaved timing of both in one process (A B A B, median ratio,
``cvshared.harness.time_interleaved``), (2) the memory each holds for the backward pass (the
bytes of the tensors autograd saves, counted with ``saved_tensors_hooks``: the part of the
peak that grows with N^2; the process RSS is dominated by the imports at these sizes), and
(3) the loss of both (they agree to float16 rounding of the official weights:
tests/test_golden.py).
"""
from __future__ import annotations

import argparse
import json
import sys


def _inputs(images: int):
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(0)
    n = images * 784
    centres = torch.randn(27, 384, generator=g)
    def features(count, noise):
        idx = torch.randint(0, 27, (count,), generator=g)
        return F.normalize(centres[idx] + noise * torch.randn(count, 384, generator=g), dim=1)

    f = features(n, 1.0)
    s = F.normalize(f[:, :256].repeat(1, 2) + 0.5 * torch.randn(n, 512, generator=g), dim=1)
    z = F.normalize(torch.randn(n, 512, generator=g), dim=1)
    z_mix = F.normalize(z + 0.3 * torch.randn(n, 512, generator=g), dim=1)
    # the pools hold one patch of each of 2048 other images (another draw)
    pool_ag = features(2048, 1.0)
    pool_sp = F.normalize(pool_ag[:, :256].repeat(1, 2)
                          + 0.5 * torch.randn(2048, 512, generator=g), dim=1)
    return dict(z=z, z_mix=z_mix, s=s, f=f, pool_ag=pool_ag, pool_sp=pool_sp)


def _steps(checkout: str, images: int):
    import torch
    from cvshared.harness import cuda_calls_on_cpu
    from hp.models.hidden_positives import hidden_positives_loss
    sys.path.insert(0, checkout)
    from loss import SupConLoss

    data = _inputs(images)
    opt = dict(model=dict(spatial_size=28), rho=0.02, loss_version=1, reweighting=1)
    official_loss = SupConLoss(temperature=0.8)

    def ours():
        z = data['z'].clone().requires_grad_()
        z_mix = data['z_mix'].clone().requires_grad_()
        torch.manual_seed(0)
        loss = hidden_positives_loss(z, z_mix, data['s'], data['f'], data['pool_ag'],
                                     data['pool_sp'], 0.3, 0.8, 0.02)
        loss.backward()
        return float(loss)

    def official():
        z = data['z'].clone().requires_grad_()
        z_mix = data['z_mix'].clone().requires_grad_()
        torch.manual_seed(0)
        with cuda_calls_on_cpu():
            loss = official_loss(z, modeloutput_s_pr=data['s'], modeloutput_f=data['f'],
                                 Pool_ag=data['pool_ag'], Pool_sp=data['pool_sp'], opt=opt,
                                 lmbd=0.3, modeloutput_z_mix=z_mix)
        loss.backward()
        return float(loss.detach())

    return ours, official


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('checkout')
    ap.add_argument('--images', type=int, default=4)
    ap.add_argument('--rounds', type=int, default=5)
    args = ap.parse_args(argv)
    import warnings
    warnings.filterwarnings('ignore')
    from cvshared.harness import saved_for_backward_bytes, time_interleaved
    ours, official = _steps(args.checkout, args.images)
    timing = time_interleaved(ours, official, rounds=args.rounds, threads=1)
    memory = {}
    for name, step in (('ours', ours), ('official', official)):
        value, saved = saved_for_backward_bytes(step)
        memory[name] = dict(loss=value, saved_for_backward_mib=round(saved / 2 ** 20, 1))
    print(json.dumps(dict(images=args.images, patches=args.images * 784, timing=timing,
                          memory=memory), indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
