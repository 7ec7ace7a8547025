"""Regenerate the golden files of antico from a checkout of the official repository.

    python packages/antico/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports ``criteria/antico.py`` (class ``Criterion``) from the checkout
(``sys.path``), makes ``.cuda()`` the identity while it runs (never edits a file), seeds, runs
the official loss in float32 for each of the three ``antico_type`` modes and saves inputs,
the coding-rate terms, the loss and its gradients. It contains no official code.
"""
from __future__ import annotations

import argparse
import contextlib
import os.path as osp
import sys
from types import SimpleNamespace

HERE = osp.dirname(osp.abspath(__file__))
MODES = ('pair', 'batch_proxy', 'all_proxy')
# the official run scripts' values (antico_runs.sh, parameters.py defaults)
OPTIONS = dict(antico_gam1=1.0, antico_gam2=1.0, antico_eps=0.5, antico_w=1.0,
               loss_ac_w_align=0.0035, loss_oproxy_lrmulti=2000, loss_oproxy_pos_alpha=64.0,
               loss_oproxy_neg_alpha=64.0, loss_oproxy_pos_delta=0.1,
               loss_oproxy_neg_delta=-0.1, lr=1e-5)


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


def case(torch, criterion_cls, mode, num_classes, dim, per_class, present, seed):
    """One seeded case: ``per_class`` samples of each class in ``present``."""
    gen = torch.Generator().manual_seed(seed)
    labels = torch.tensor(present).repeat_interleave(per_class)
    x = torch.randn(len(labels), dim, generator=gen)
    x = torch.nn.functional.normalize(x, dim=-1)   # the network's L2 normalisation
    proxies = torch.randn(num_classes, dim, generator=gen) / 8   # the official init
    opt = SimpleNamespace(n_classes=num_classes, embed_dim=dim, antico_type=mode, **OPTIONS)
    criterion = criterion_cls(opt)
    with torch.no_grad():
        criterion.proxies.copy_(proxies)
    xg = x.clone().requires_grad_(True)
    with cpu_only():
        loss, rate_p, _ = criterion(xg, labels, None, 0, 0)
        ac_exponent, _ = criterion.antico(x, labels, criterion.proxies.detach(), mode,
                                          num_classes)
        align = criterion.panc(x, criterion.proxies.detach(), labels)
        normalized = torch.nn.functional.normalize(criterion.proxies.detach(), dim=-1)
        chosen = normalized[torch.unique(labels)] if mode == 'batch_proxy' else normalized
        rates = criterion.compute_discrimn_loss(x.T, chosen.T)
    loss.backward()
    return dict(mode=mode, labels=labels, embeddings=x, proxies=proxies, loss=loss.detach(),
                anti_collapse=torch.exp(ac_exponent).detach(), align=align.detach(),
                rate_pair=rates[0].detach(), rate_proxy_standard=rates[1].detach(),
                rate_proxy_gram=rates[2].detach(), grad_embeddings=xg.grad.clone(),
                grad_proxies=criterion.proxies.grad.clone(), options=dict(OPTIONS))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'criteria', 'antico.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no criteria/antico.py)')
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    from criteria.antico import Criterion  # the official class
    torch.manual_seed(0)
    cases = []
    for seed, mode in enumerate(MODES):
        # 2 samples per class (the official sampler), 7 of 10 classes present, D = 16
        cases.append(case(torch, Criterion, mode, num_classes=10, dim=16, per_class=2,
                          present=[0, 2, 3, 5, 6, 8, 9], seed=seed))
    # more proxies than dimensions: the Gram form's two factorisations differ in size
    cases.append(case(torch, Criterion, 'all_proxy', num_classes=24, dim=8, per_class=2,
                      present=[1, 4, 7, 20], seed=10))
    torch.save(dict(cases=cases), osp.join(args.out, 'antico_criterion.pt'))
    print(f"wrote {osp.join(args.out, 'antico_criterion.pt')} ({len(cases)} cases)")
    return 0


if __name__ == '__main__':
    sys.exit(main())
