"""Regenerate the golden files of crossx from a checkout of the official repository.

    python packages/crossx/tests/golden/make_golden.py /path/to/CrossX/checkout [--out DIR]

Our harness only: it imports the official modules from the checkout (``sys.path``), patches at
run time (never edits a file) the hard-coded fusion size 28 of ``F.interpolate`` to the
stage-3 size of our small inputs, seeds, runs, and saves inputs and outputs. The weights come
from :func:`crossx.testing.official_like_weights` (name + seed), so the tests regenerate them
and only checksums are stored. It contains no official code; the loss is composed from the
official ``RegularLoss`` and ``nn.KLDivLoss(reduction='sum')`` exactly as
``modellearning.train`` composes them.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import os.path as osp
import sys
import types

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


def patch_fusion_size(module, size: int) -> None:
    """The official forward calls ``F.interpolate(x, 28)``; with 64 x 64 inputs the stage-3
    map is ``size`` x ``size``: route that call to ``size`` (nearest, as the official)."""
    import torch.nn.functional as F
    shim = types.SimpleNamespace(**{k: getattr(F, k) for k in dir(F) if not k.startswith('__')})
    shim.interpolate = lambda x, s, *a, **k: F.interpolate(x, size if s == 28 else s, *a, **k)
    module.F = shim


def official_loss(mod, outputs, labels, gammas, dogs_resnet=False):
    """``modellearning.train``'s loss with the official criterion objects."""
    import torch.nn as nn
    import torch.nn.functional as F
    xf, xp, xc, fu, fp, fc = outputs
    reg = [mod.RegularLoss(gamma=g, nparts=len(fu)) for g in gammas]
    kl = nn.KLDivLoss(reduction='sum')
    ce = nn.CrossEntropyLoss()
    b = xf.shape[0]
    if dogs_resnet:
        cls = ce(xf + xp, labels)
        terms = dict(cls=cls, c3s_ulti=reg[0](list(fu)), c3s_plty=reg[1](list(fp)),
                     kl=kl(F.log_softmax(xp, 1), F.softmax(xf, 1)) / b)
    else:
        cls = ce(xf + xp + xc, labels)
        terms = dict(cls=cls, c3s_ulti=reg[0](list(fu)), c3s_plty=reg[1](list(fp)),
                     c3s_cmbn=reg[2](list(fc)),
                     kl=(kl(F.log_softmax(xp, 1), F.softmax(xf, 1))
                         + kl(F.log_softmax(xc, 1), F.softmax(xf, 1))) / b)
    return terms


def run_case(checkout_module: str, senet: bool, gammas, dogs_resnet=False, seed=0):
    import torch
    from crossx import testing as T
    mod = importlib.import_module(checkout_module)
    patch_fusion_size(mod, T.IMAGE // 16)
    if senet:
        model = mod.SeNet(mod.SEBottleneck, list(T.STAGE_BLOCKS), num_classes=T.NUM_CLASSES,
                          rd=[16, 32, 64, 128], nparts=T.NUM_PARTS, meflag=True)
    else:
        model = mod.ResNet(mod.Bottleneck, list(T.STAGE_BLOCKS), nparts=T.NUM_PARTS,
                           meflag=True, num_classes=T.NUM_CLASSES)
    weights = T.official_like_weights(model.state_dict(), seed)
    model.load_state_dict(weights, strict=True)
    g = torch.Generator().manual_seed(100 + seed)
    inputs = torch.randn(4, 3, T.IMAGE, T.IMAGE, generator=g)
    labels = torch.tensor([0, 3, 1, 3])
    record = dict(module=checkout_module, senet=senet, seed=seed, gammas=list(gammas),
                  dogs_resnet=dogs_resnet, inputs=inputs, labels=labels,
                  checksums={k: float(v.double().abs().sum()) for k, v in weights.items()})
    model.eval()   # inference: BN running statistics
    with torch.no_grad():
        xf, xp, xc, fu, fp, fc = model(inputs)
    record['eval'] = dict(ulti=xf, plty=xp, cmbn=xc, ulti_feats=[f.flatten(1) for f in fu],
                          plty_feats=[f.flatten(1) for f in fp],
                          cmbn_feats=[f.flatten(1) for f in fc])
    model.train()  # training: batch statistics, the loss and its gradients
    model.zero_grad()
    outputs = model(inputs)
    terms = official_loss(mod, outputs, labels, gammas, dogs_resnet)
    total = sum(terms.values())
    total.backward()
    record['train'] = dict(terms={k: v.detach() for k, v in terms.items()}, total=total.detach())
    wanted = ('layer3.1.me.parts.1.0.weight', 'layer4.1.me.parts.0.2.weight',
              'layer3.1.se.parts.1.0.weight', 'layer4.1.se.parts.0.2.weight',
              'layer3.1.se.dresponse.2.weight', 'conv3_2.weight', 'conv2_1.weight',
              'fc_ulti.weight', 'fc_plty.weight', 'fc_cmbn.weight', 'layer1.0.conv1.weight')
    record['grads'] = {n: dict(first=p.grad.flatten()[:2048].clone(), norm=p.grad.norm())
                       for n, p in model.named_parameters()
                       if n in wanted and p.grad is not None}   # small files: 2048 entries
    return record


CASES = {  # file: (official module, SENet, gammas, Dogs-ResNet loss)
    'resnet_mix.pt': ('crossxresnetmix', False, (0.5, 0.25, 0.5), False),
    'resnet_avg_dogs.pt': ('crossxresnetavg', False, (0.01, 0.01, 1.0), True),
    'senet_mix.pt': ('crossxsenetmix', True, (1.0, 0.25, 1.0), False),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'crossxresnetmix.py')):
        parser.error(f'{args.checkout} is not a checkout of cswluo/CrossX '
                     '(no crossxresnetmix.py)')
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    torch.manual_seed(0)
    with cpu_only():
        for name, (module, senet, gammas, dogs) in CASES.items():
            torch.save(run_case(module, senet, gammas, dogs), osp.join(args.out, name))
            print('wrote', osp.join(args.out, name))
    return 0


if __name__ == '__main__':
    sys.exit(main())
