"""Regenerate the golden tensors of the shared zero-shot VOS blocks from the official code.

    .venv/bin/python shared/tests/data/vos/make_golden.py --hgpu /tmp/official/HGPU \
        --hcpn /tmp/official/HCPN [--out shared/tests/data/vos]

Runs the unmodified official ``libs/model/HGPU.py`` / ``libs/model/HCPN.py`` (imported from the
checkouts) and ``libs/utils/obj.py :: Loss`` (inside ``cvshared.harness.cuda_calls_on_cpu``:
it calls ``.cuda()``) on the CPU, float32, one thread. Each official module gets random weights
chosen so every part matters (GCT alpha / gamma / beta away from the identity, random BN
statistics in eval mode, 1x1 attention convolutions large enough for a peaked softmax), random
inputs; the file stores per case the official state_dict, the inputs and the outputs. Nothing of
the official code is written out. See PROVENANCE.md.
"""
from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent


def load_official(root: Path, module: str):
    """Import ``libs.<module>`` from an official checkout, then forget its ``libs`` package (both
    repositories call their package ``libs``)."""
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module(f'libs.{module}')
    finally:
        sys.path.remove(str(root))
        for name in list(sys.modules):
            if name == 'libs' or name.startswith('libs.'):
                sys.modules.pop(name)


def commit_of(root: Path) -> str:
    return subprocess.run(['git', '-C', str(root), 'rev-parse', 'HEAD'], check=True,
                          capture_output=True, text=True).stdout.strip()


def randomise(module: torch.nn.Module, seed: int, scale: float = 0.5) -> torch.nn.Module:
    """Parameters N(0, scale^2) (GCT alpha: 0.5 + U(0, 1)), BN running mean N(0, 0.1^2),
    running var 0.5 + U(0, 1); eval mode."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith('alpha'):
                p.copy_(torch.rand(p.shape, generator=g) + 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * scale)
        for name, b in module.named_buffers():
            if name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
            elif name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=g) * 0.1)
    return module.eval()


def inputs(seed: int, *shapes):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=g) for s in shapes]


# Above this many numbers a case stores no state_dict: the test rebuilds the weights with
# ``randomise(ours, seed, scale)`` (same parameter order and shapes as the official module) and
# checks them against the stored fingerprint (per tensor: sum and sum of squares, float64).
MAX_STORED = 10000


def fingerprint(state_dict) -> dict:
    """``{'keys': [...], 'sums': (K, 2) float64}`` (sum, sum of squares per tensor)."""
    return {'keys': list(state_dict),
            'sums': torch.stack([torch.stack([v.double().sum(), v.double().square().sum()])
                                 for v in state_dict.values()])}


def case(module, seed, args, scale=0.5):
    with torch.no_grad():
        out = module(*args)
    out = list(out) if isinstance(out, (tuple, list)) else [out]
    state = {k: v.clone() for k, v in module.state_dict().items()}
    entry = {'inputs': [a.clone() for a in args], 'outputs': [o.clone() for o in out],
             'seed': seed, 'scale': scale, 'fingerprint': fingerprint(state)}
    if sum(v.numel() for v in state.values()) <= MAX_STORED:
        entry['state_dict'] = state
    return entry


def hgpu_cases(root: Path) -> dict:
    m = load_official(root, 'model.HGPU')
    cases = {}
    cases['gct'] = case(randomise(m.MACU(16), 1), 1, inputs(101, (2, 16, 5, 6)))
    cases['iaff'] = case(randomise(m.FR(16, r=4), 2), 2, inputs(102, (2, 16, 5, 6),
                                                                   (2, 16, 5, 6)))
    agg = randomise(m.MessageAgg(channel=32), 3)
    x = inputs(103, (2, 32, 4, 5), (2, 32, 4, 5))
    for flag in ('pre', 'main'):
        m.EncoderNet.flag = flag
        cases[f'message_agg_{flag}'] = case(agg, 3, x)
    m.EncoderNet.flag = 'pre'
    cases['readout'] = case(randomise(m.Readout(channel=16), 4), 4,
                            inputs(104, (2, 16, 5, 6), (2, 16, 5, 6)))
    cases.update(decoder_cases(m))
    return cases


def hcpn_cases(root: Path) -> dict:
    m = load_official(root, 'model.HCPN')
    cases = {}
    cases['gct'] = case(randomise(m.GAC(16), 11), 11, inputs(111, (2, 16, 5, 6)))
    cases['iaff'] = case(randomise(m.GAF(16, r=4), 12), 12, inputs(112, (2, 16, 5, 6),
                                                                     (2, 16, 5, 6)))
    cases['pcm'] = case(randomise(m.ParallelCA(channel=32), 13), 13,
                        inputs(113, (2, 32, 4, 5), (2, 32, 4, 5)))
    cases['ccm'] = case(randomise(m.CrossCoAttention(channel=16), 14), 14,
                        inputs(114, (2, 16, 5, 6), (2, 16, 5, 6)))
    cases.update(decoder_cases(m, offset=10))
    return cases


def decoder_cases(m, offset: int = 0) -> dict:
    """GC, Refine (with its PDC) and MotionRef / MotionContour; small weights (scale 0.2) so
    the residual sums stay O(1)."""
    s = offset
    cases = {'gc': case(randomise(m.GC(9, 8), 21 + s, 0.2), 21 + s,
                        inputs(121 + s, (2, 9, 10, 11)), 0.2)}
    cases['refine'] = case(randomise(m.Refine(9, 16), 22 + s, 0.2), 22 + s,
                           inputs(122 + s, (2, 9, 14, 14), (2, 16, 7, 7)), 0.2)
    name = 'MotionRef' if hasattr(m, 'MotionRef') else 'MotionContour'
    cases['motion_ref'] = case(randomise(getattr(m, name)(9), 23 + s, 0.2), 23 + s,
                               inputs(123 + s, (2, 9, 10, 11)), 0.2)
    return cases


def loss_case(root: Path, seed: int) -> dict:
    """Official Loss(prob, target, negative_pixels) on hand-built inputs: probabilities with
    values at 0 and 1 (clamped logs), a binary target, a negative map with zeros (easy) and
    values in (0, 1] (hard), also on foreground pixels."""
    from cvshared.harness import cuda_calls_on_cpu
    obj = load_official(root, 'utils.obj')
    g = torch.Generator().manual_seed(seed)
    prob = torch.rand(2, 1, 6, 7, generator=g)
    prob[0, 0, 0, :2] = torch.tensor([0.0, 1.0])
    target = (torch.rand(2, 1, 6, 7, generator=g) > 0.5).float()
    neg = torch.rand(2, 1, 6, 7, generator=g)
    neg[neg < 0.4] = 0.0
    with cuda_calls_on_cpu():
        loss = obj.Loss()(prob, target, neg)
    return {'inputs': [prob, target, neg], 'outputs': [loss.detach().cpu()], 'seed': seed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hgpu', type=Path, required=True)
    parser.add_argument('--hcpn', type=Path, required=True)
    parser.add_argument('--out', type=Path, default=HERE)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for key, root, make in (('hgpu', args.hgpu, hgpu_cases), ('hcpn', args.hcpn, hcpn_cases)):
        cases = make(root)
        cases['loss'] = loss_case(root, 31 if key == 'hgpu' else 32)
        payload = {'commit': commit_of(root), 'cases': cases}
        path = args.out / f'{key}_blocks.pt'
        torch.save(payload, path)
        print(f'{path}: {sorted(cases)} @ {payload["commit"]}')


if __name__ == '__main__':
    main()
