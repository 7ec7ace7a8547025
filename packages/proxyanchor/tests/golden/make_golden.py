"""Regenerate the golden files of proxyanchor from a checkout of the official repository.

    python packages/proxyanchor/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports ``code/losses.py`` (class ``Proxy_Anchor``) from the checkout
(``sys.path``), makes ``.cuda()`` the identity while it runs (never edits a file), seeds, runs
the official loss on random embeddings / labels / proxies (C >= 3: the official ``binarize``
returns one column at C = 2) and saves the loss and its gradients with respect to the
embeddings and the proxies. It contains no official code.
"""
from __future__ import annotations

import argparse
import contextlib
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
# (num_classes, dim, batch, labels or None = random, alpha, margin, seed)
CASES = (
    (5, 8, 12, None, 32.0, 0.1, 0),
    (3, 4, 6, [0, 0, 2, 2, 2, 0], 32.0, 0.1, 1),   # class 1 absent: |P+| = 2 < C
    (20, 16, 30, None, 32.0, 0.1, 2),
    (6, 8, 10, None, 16.0, 0.2, 3),                 # other alpha / delta
)


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
    if not osp.isfile(osp.join(args.checkout, 'code', 'losses.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no code/losses.py)')
    sys.path.insert(0, osp.join(osp.abspath(args.checkout), 'code'))
    import torch
    with cpu_only():
        from losses import Proxy_Anchor  # the official class
    cases = []
    for num_classes, dim, batch, labels, alpha, margin, seed in CASES:
        gen = torch.Generator().manual_seed(seed)
        x = 3 * torch.randn(batch, dim, generator=gen)      # not normalised: the loss does it
        y = (torch.randint(num_classes, (batch,), generator=gen) if labels is None
             else torch.tensor(labels))
        proxies = torch.randn(num_classes, dim, generator=gen)
        with cpu_only():
            criterion = Proxy_Anchor(nb_classes=num_classes, sz_embed=dim, mrg=margin,
                                     alpha=alpha)
            with torch.no_grad():
                criterion.proxies.copy_(proxies)
            xg = x.clone().requires_grad_(True)
            loss = criterion(xg, y)
        loss.backward()
        cases.append(dict(num_classes=num_classes, alpha=alpha, margin=margin,
                          embeddings=x, labels=y, proxies=proxies, loss=loss.detach(),
                          grad_embeddings=xg.grad.clone(),
                          grad_proxies=criterion.proxies.grad.clone()))
    path = osp.join(args.out, 'proxy_anchor_loss.pt')
    torch.save(dict(cases=cases), path)
    print(f'wrote {path} ({len(cases)} cases)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
