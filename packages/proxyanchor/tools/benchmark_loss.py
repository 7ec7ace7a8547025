"""Benchmark of the Proxy Anchor loss: forward + backward at the SOP setting of the issue
(batch 180, D 512, 11,318 proxies), ours (the shared ``cvshared.retrieval.ProxyAnchorLoss``)
vs the official ``code/losses.py::Proxy_Anchor`` (from a private checkout, ``.cuda()`` patched
away by ``cvshared.harness.cuda_calls_on_cpu``) vs
``pytorch_metric_learning.losses.ProxyAnchorLoss``.

    python packages/proxyanchor/tools/benchmark_loss.py [--official CHECKOUT] [--threads 1]
        [--batch 180] [--dim 512] [--classes 11318] [--rounds 15] [--device cpu]

The three run in turn (A B C A B C ...), one warm-up round first; each round times one forward
and backward of each; we print the median of each and the median of the per-round ratios
(pairing keeps a ratio meaningful when the machine's load drifts). Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time


def build(impl: str, checkout: str | None, classes: int, dim: int, device: str):
    import torch
    if impl == 'ours':
        from cvshared.retrieval.losses import ProxyAnchorLoss
        loss_fn = ProxyAnchorLoss(alpha=32, delta=0.1)
        proxies = torch.nn.Parameter(torch.randn(classes, dim, device=device))
        return lambda x, y: loss_fn(x, y, proxies), proxies
    if impl == 'pml':
        from pytorch_metric_learning.losses import ProxyAnchorLoss
        loss_fn = ProxyAnchorLoss(classes, dim, margin=0.1, alpha=32).to(device)
        return loss_fn, loss_fn.proxies
    sys.path.insert(0, osp.join(osp.abspath(checkout), 'code'))
    from cvshared.harness import cuda_calls_on_cpu as cpu_only
    with cpu_only():
        from losses import Proxy_Anchor
        loss_fn = Proxy_Anchor(nb_classes=classes, sz_embed=dim, mrg=0.1, alpha=32)
    if device == 'cpu':
        def run(x, y):
            with cpu_only():
                return loss_fn(x, y)
        return run, loss_fn.proxies
    loss_fn = loss_fn.to(device)
    return loss_fn, loss_fn.proxies


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--official', help='checkout of tjddus9597/Proxy-Anchor-CVPR2020')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--batch', type=int, default=180)
    parser.add_argument('--dim', type=int, default=512)
    parser.add_argument('--classes', type=int, default=11318)
    parser.add_argument('--rounds', type=int, default=15)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    impls = ['ours', 'pml'] + (['official'] if args.official else [])
    fns = {i: build(i, args.official, args.classes, args.dim, args.device) for i in impls}
    x0 = torch.randn(args.batch, args.dim, device=args.device)
    y = torch.randint(args.classes, (args.batch,), device=args.device)

    def once(impl):
        fn, proxies = fns[impl]
        x = x0.clone().requires_grad_(True)
        proxies.grad = None
        if args.device != 'cpu':
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn(x, y).backward()
        if args.device != 'cpu':
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    for impl in impls:
        once(impl)
    times = {i: [] for i in impls}
    for _ in range(args.rounds):
        for impl in impls:
            times[impl].append(once(impl))
    result = dict(batch=args.batch, dim=args.dim, classes=args.classes, threads=args.threads,
                  device=args.device, rounds=args.rounds, load=os.getloadavg()[0],
                  median_ms={i: round(1e3 * statistics.median(t), 3) for i, t in times.items()})
    for other in impls[1:]:
        result[f'{other}/ours'] = round(statistics.median(
            [b / a for a, b in zip(times['ours'], times[other])]), 3)
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
