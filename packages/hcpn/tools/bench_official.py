"""Inference (and, with ``--train``, train-step) time of ours vs the official HCPN on the CPU,
and the dense CRF's share (our harness; the official code is imported from a checkout, never
copied).

    python packages/hcpn/tools/bench_official.py /path/to/official/HCPN [--rounds 3]
    python packages/hcpn/tools/bench_official.py /path/to/official/HCPN --train --size 128 \
        --batch 2

Train step (``--train``), the official ``train.py`` loop body against ours, same weights and
batch: forward of ``EncoderNet`` + ``DecoderNet``, the four official ``Loss`` terms (its numpy
round trip and ``.cuda()``, the latter a no-op on the CPU through
``cvshared.harness.cuda_calls_on_cpu``), ``0.5 * mask + 0.5 * 0.5 * contour``, backward and the
two SGD steps (momentum 0.9, weight decay 5e-4, lr 1e-3 decoder / 1e-4 encoder, as
``args.py``); ours: ``HCPN._forward`` + ``HCPN.loss_from_outputs`` (the same loss), backward,
one SGD with the same two parameter groups. Train mode (BatchNorm batch statistics), batch >= 2
(the iAFF global branch normalises a 1 x 1 map).

Both models get the same weights (official random init -> ``hcpn.convert.convert``), eval
mode, batch 1, one thread; the outputs are compared first. Timing:
``cvshared.harness.time_interleaved`` (warm-up, A B A B ..., per-pair ratios, load). The CRF
(:func:`hcpn.models.davis_crf`) is timed on an 854 x 480 frame (DAVIS 480p).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import types


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--train', action='store_true', help='time a train step instead')
    parser.add_argument('--batch', type=int, default=None,
                        help='batch size (default: 1 for inference, 2 for --train)')
    args = parser.parse_args(argv)
    if args.batch is None:
        args.batch = 2 if args.train else 1
    sys.path.insert(0, args.checkout)
    import hcpn  # noqa: F401
    import numpy as np
    import torch
    import torchvision
    from cvshared.harness import time_interleaved
    from hcpn.convert import convert
    from hcpn.models import HCPN, davis_crf
    from mmengine.registry import init_default_scope
    torch.set_num_threads(1)
    init_default_scope('mmseg')
    import libs.model.HCPN as official
    official.ws = args.size
    official.models = types.SimpleNamespace(
        resnet101=lambda *a, **k: torchvision.models.resnet101(weights=None))
    torch.manual_seed(0)
    enc, dec = official.EncoderNet().eval(), official.DecoderNet().eval()
    ours = HCPN(encoder=dict(type='HCPNEncoder', backbone=dict(type='ResNet', depth=101)),
                decoder=dict(type='HCPNDecoder'), flip_test=False).eval()
    ours.load_state_dict(convert({**enc.state_dict(), **dec.state_dict()}), strict=True)
    x = torch.randn(args.batch, 9, args.size, args.size)
    im1, im2, flow = x[:, :3], x[:, 3:6], x[:, 6:]
    if args.train:
        print(json.dumps(dict(size=args.size, batch=args.batch, mode='train step',
                              **time_train(args, enc, dec, ours, official, x))))
        return 0

    def run_official():
        with torch.no_grad():
            return dec(*enc(im1, im2, flow))

    def run_ours():
        with torch.no_grad():
            return ours._forward(x)

    diff = max(float((a - b).abs().max()) for a, b in zip(run_ours(), run_official()))
    timing = time_interleaved(run_ours, run_official, rounds=args.rounds, threads=1)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (480, 854, 3), dtype=np.uint8)
    prob = rng.random((480, 854))
    start = time.perf_counter()
    davis_crf(image, prob)
    crf_ms = 1e3 * (time.perf_counter() - start)
    out = dict(size=args.size, batch=args.batch, max_abs_diff=diff, crf_ms_854x480=round(crf_ms, 1),
               crf_share_of_ours=round(crf_ms / (crf_ms + timing['ours_ms']), 3), **timing)
    print(json.dumps(out))
    return 0


def time_train(args, enc, dec, ours, official_module, x) -> dict:
    """Both train steps (module docstring) timed A B A B; the first-step losses compared."""
    import torch
    from cvshared.harness import cuda_calls_on_cpu, time_interleaved
    from libs.utils.obj import Loss
    gen = torch.Generator().manual_seed(1)
    shape = (args.batch, 1, args.size, args.size)
    yy, xx = torch.meshgrid(torch.arange(args.size), torch.arange(args.size), indexing='ij')
    masks = [((yy - args.size * c) ** 2 + (xx - args.size * c) ** 2 < (args.size / 4) ** 2)
             .float().expand(shape).contiguous() for c in (0.45, 0.55)]
    ctrs = [(torch.rand(shape, generator=gen) > 0.9).float() for _ in range(2)]
    negs = [torch.rand(shape, generator=gen) * (torch.rand(shape, generator=gen) > 0.7)
            for _ in range(2)]
    targets = dict(mask1=masks[0], mask2=masks[1], ctr1=ctrs[0], ctr2=ctrs[1],
                   weight1=1 + negs[0], weight2=1 + negs[1])
    im1, im2, flow = x[:, :3], x[:, 3:6], x[:, 6:]
    enc.train(), dec.train(), ours.train()
    sgd = dict(momentum=0.9, weight_decay=5e-4)
    enc_opt = torch.optim.SGD(enc.parameters(), lr=1e-4, **sgd)
    dec_opt = torch.optim.SGD(dec.parameters(), lr=1e-3, **sgd)
    ours_opt = torch.optim.SGD([dict(params=ours.encoder.parameters(), lr=1e-4),
                                dict(params=ours.decoder.parameters(), lr=1e-3)], **sgd)
    criterion = Loss()
    losses = {}

    def step_official():
        with cuda_calls_on_cpu():
            m1, c1, m2, c2 = dec(*enc(im1, im2, flow))
            mask_loss = 0.5 * (criterion(m1, masks[0], negs[0]) + criterion(m2, masks[1], negs[1]))
            ctr_loss = 0.5 * (criterion(c1, ctrs[0], negs[0]) + criterion(c2, ctrs[1], negs[1]))
            loss = mask_loss + 0.5 * ctr_loss
            dec_opt.zero_grad()
            enc_opt.zero_grad()
            loss.mean().backward()
            enc_opt.step()
            dec_opt.step()
        losses.setdefault('official', float(loss))

    def step_ours():
        parts = ours.loss_from_outputs(ours._forward(x), targets)
        loss = parts['loss_mask'] + parts['loss_contour']
        ours_opt.zero_grad()
        loss.backward()
        ours_opt.step()
        losses.setdefault('ours', float(loss))

    timing = time_interleaved(step_ours, step_official, rounds=args.rounds, threads=1)
    return dict(first_loss_ours=losses['ours'], first_loss_official=losses['official'],
                **timing)


if __name__ == '__main__':
    sys.exit(main())
