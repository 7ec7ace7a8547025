"""Inference time of ours vs the official HCPN at 512 x 512 on the CPU, and the dense CRF's
share (our harness; the official code is imported from a checkout, never copied).

    python packages/hcpn/tools/bench_official.py /path/to/official/HCPN [--rounds 3]

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
    args = parser.parse_args(argv)
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
    x = torch.randn(1, 9, args.size, args.size)
    im1, im2, flow = x[:, :3], x[:, 3:6], x[:, 6:]

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
    out = dict(size=args.size, max_abs_diff=diff, crf_ms_854x480=round(crf_ms, 1),
               crf_share_of_ours=round(crf_ms / (crf_ms + timing['ours_ms']), 3), **timing)
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
