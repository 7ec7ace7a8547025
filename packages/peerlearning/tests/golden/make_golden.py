"""Regenerate the golden files of peerlearning from a checkout of the official repository.

    python packages/peerlearning/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports the official modules from the checkout (``sys.path``), patches
CUDA-only calls at run time (never edits a file), seeds, runs and saves inputs, weights and
outputs. It contains no official code. TODO: the official calls (see PROVENANCE.md).
"""
from __future__ import annotations

import argparse
import contextlib
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))


@contextlib.contextmanager
def cpu_only():
    """``.cuda()`` becomes the identity while the official code runs."""
    import torch
    saved = torch.Tensor.cuda, torch.nn.Module.cuda
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    try:
        yield
    finally:
        torch.Tensor.cuda, torch.nn.Module.cuda = saved


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isdir(args.checkout):
        parser.error(f'{args.checkout} is not a checkout of the official repository')
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    torch.manual_seed(0)
    with cpu_only():
        raise NotImplementedError(
            'TODO: import the official model from the checkout, run it on seeded inputs and '
            'torch.save(dict(model_kwargs=..., official_state_dict=..., inputs=..., '
            "outputs=...), osp.join(args.out, 'whole_forward.pt'))")
    return 0


if __name__ == '__main__':
    sys.exit(main())
