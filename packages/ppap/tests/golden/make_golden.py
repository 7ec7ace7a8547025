"""Regenerate the golden files of ppap from a checkout of the official repository.

    python packages/ppap/tests/golden/make_golden.py /path/to/PPAP [--out DIR]

Our harness only: it imports the official ``loss.py`` from the checkout (``sys.path``) and runs
it on the CPU (no file is edited), seeds, and saves inputs and outputs. It contains no official
code.

* ``loss.pt``: ``loss.py::SupConLoss(temperature, contrast_mode='one', base_temperature=0.07,
  opt).forward(z, feat)`` -- loss, mean positive / negative counts and ``d loss / d z`` -- on
  clustered random features (``feat`` ``[B, D, h, w]``, 2 chunks of the official 784 patches:
  4 images of 14 x 14), for the settings of cocostuff16 (0.55, 0.15, split 4, tau 0.8, 2
  iterations, sigma 3 / 4), cityscapes_base (0.6, 0.2, 16, 0.1, 3, 3 / 2) and potsdam (0.55,
  0.15, 16, 0.07, 1, 5 / 3); ``torch.manual_seed(case.seed)`` right before the call (the
  anchor draws).

Run-time patches: ``torch.ones`` / ``torch.arange`` ignore ``device=`` (the official allocates
on ``cuda:0``); ``cvshared.harness.cuda_calls_on_cpu``.
"""
from __future__ import annotations

import argparse
import contextlib
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
IMAGES, SIDE = 8, 14          # 8 x 196 = 1568 patches = 2 chunks of 784

CASES = (dict(name='cocostuff16', seed=0, phi0=0.55, psi0=0.15, split=4, tau=0.8, iters=2,
              sigma_pos=3, sigma_amb=4),
         dict(name='cityscapes_base', seed=1, phi0=0.6, psi0=0.2, split=16, tau=0.1, iters=3,
              sigma_pos=3, sigma_amb=2),
         dict(name='potsdam', seed=2, phi0=0.55, psi0=0.15, split=16, tau=0.07, iters=1,
              sigma_pos=5, sigma_amb=3))


def inputs(seed):
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(100 + seed)
    n = IMAGES * SIDE * SIDE
    centres = torch.randn(5, 12, generator=g)
    assign = torch.randint(0, 5, (n,), generator=g)
    feat = centres[assign] + 0.9 * torch.randn(n, 12, generator=g)
    feat = feat.view(IMAGES, SIDE, SIDE, 12).permute(0, 3, 1, 2).contiguous()
    z = F.normalize(torch.randn(n, 6, generator=g), dim=1)
    return feat, z


@contextlib.contextmanager
def cpu_allocations():
    import torch
    saved = torch.ones, torch.arange

    def strip(fn):
        def call(*args, **kwargs):
            kwargs.pop('device', None)
            return fn(*args, **kwargs)
        return call

    torch.ones, torch.arange = strip(saved[0]), strip(saved[1])
    try:
        yield
    finally:
        torch.ones, torch.arange = saved


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'loss.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no loss.py)')
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    from cvshared.harness import cuda_calls_on_cpu
    from loss import SupConLoss

    out = dict(cases=[])
    with cuda_calls_on_cpu(), cpu_allocations():
        for case in CASES:
            feat, z0 = inputs(case['seed'])
            z = z0.clone().requires_grad_()
            opt = dict(initialcrit_pos=case['phi0'], initialcrit_amb=case['psi0'],
                       prop_iter=case['iters'], sigma_pos=case['sigma_pos'],
                       sigma_amb=case['sigma_amb'], trainpatchsplit=case['split'])
            torch.manual_seed(case['seed'])
            loss, pos_num, neg_num = SupConLoss(temperature=case['tau'], contrast_mode='one',
                                                opt=opt)(z, feat)
            loss.backward()
            # the inputs are rebuilt by the test from inputs(seed) (not stored: 225 kB)
            out['cases'].append(dict(case, loss=loss.detach(),
                                     pos_num=torch.as_tensor(pos_num).float(),
                                     neg_num=torch.as_tensor(neg_num).float(), grad_z=z.grad))
            print(case['name'], float(loss.detach()), float(pos_num), float(neg_num))
    torch.save(out, osp.join(args.out, 'loss.pt'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
