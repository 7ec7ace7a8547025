"""Regenerate the golden files of dkl from a checkout of the official repository.

    python packages/dkl/tests/golden/make_golden.py /path/to/DKL/checkout [--out DIR]

Our harness only: it reads the two official ``dkl_loss`` functions out of the checkout at run
time (``ast``: the AT one lives in a training script that parses arguments and loads CIFAR
at import, so only that function's definition is executed), runs them on fixed, seeded,
non-degenerate logits (peaked softmax, non-uniform class priors) in float64 and saves inputs,
gradients and losses. It contains no official code; nothing is written into the checkout.
"""
from __future__ import annotations

import argparse
import ast
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
KD_FILE = 'DKLv1/KD-dkl/mdistiller/distillers/IKL_KD.py'
AT_FILE = 'DKLv1/Adv-training-dkl/train_dkl_cifar10.py'


# candidate for cvshared (golden harnesses of script-only official code)
def official_function(checkout: str, relpath: str, name: str = 'dkl_loss', **globals_):
    """The function ``name`` defined at top level in ``checkout/relpath``, compiled alone
    (``globals_``: the module-level names it reads, e.g. ``device``)."""
    import torch
    import torch.nn.functional as F
    path = osp.join(checkout, relpath)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: is {checkout} a checkout of jiequancui/DKL?')
    with open(path) as f:
        tree = ast.parse(f.read(), filename=path)
    nodes = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    if len(nodes) != 1:
        raise LookupError(f'{path} has {len(nodes)} top-level functions named {name}')
    namespace = dict(torch=torch, F=F, **globals_)
    exec(compile(ast.Module(body=nodes, type_ignores=[]), path, 'exec'), namespace)
    return namespace[name]


def _inputs(b: int, c: int, seed: int):
    import torch
    g = torch.Generator().manual_seed(seed)
    offset = torch.linspace(-3, 3, c, dtype=torch.float64)          # non-uniform classes
    o_m = 4 * torch.randn(b, c, generator=g, dtype=torch.float64) + offset
    o_n = 4 * torch.randn(b, c, generator=g, dtype=torch.float64) + offset.flip(0)
    labels = torch.randint(0, c, (b,), generator=g)
    prior = torch.softmax(3 * torch.randn(c, c, generator=g, dtype=torch.float64)
                          + 4 * torch.eye(c, dtype=torch.float64), 1)   # peaked rows
    return o_m, o_n, labels, prior


def _run(fn, o_m, o_n, make_args, o_m_grad: bool):
    """Loss and gradients; ``o_m`` requires grad only when ``o_m_grad`` (AT: the natural
    logits; KD: never, the official teacher runs under ``no_grad``)."""
    import torch
    o_m = o_m.clone().requires_grad_(o_m_grad)
    o_n = o_n.clone().requires_grad_()
    loss = fn(*make_args(o_m, o_n))
    wrt = (o_m, o_n) if o_m_grad else (o_n,)
    grads = torch.autograd.grad(loss, wrt)
    out = dict(loss=loss.detach(), grad_n=grads[-1])
    if o_m_grad:
        out['grad_m'] = grads[0]
    return out


def whole_at_step(checkout: str, at_loss, out: str) -> None:
    """The whole AT loss from raw images: the official WideResNet (depth 10, width 1, seeded
    weights, random batch-norm statistics and affine parameters), ``perturb_input`` (3
    sign-gradient steps on the sCE) and ``CE(nat) + dkl_loss(nat, adv, GI weights)`` in train
    mode, adversarial forward first, as ``train_dkl_cifar10.py::train``."""
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, osp.join(checkout, 'DKLv1/Adv-training-dkl'))
    try:
        from models.wideresnet import WideResNet
    finally:
        sys.path.pop(0)
    perturb = official_function(checkout, AT_FILE, 'perturb_input', device='cpu', dkl_loss=at_loss,
                                optim=torch.optim, Variable=torch.autograd.Variable)
    torch.manual_seed(0)
    model = WideResNet(depth=10, num_classes=10, widen_factor=1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
        model.fc.bias.normal_(0, 0.5)
    state = {k: v.clone() for k, v in model.state_dict().items()}   # float32, stored
    model.double()                                                    # run in float64
    g = torch.Generator().manual_seed(1)
    images = torch.rand(6, 3, 32, 32, generator=g, dtype=torch.float64)
    labels = torch.tensor([0, 3, 3, 7, 9, 1])
    prior = torch.softmax(3 * torch.randn(10, 10, generator=g, dtype=torch.float64), 1)
    s_n = F.one_hot(labels, 10).double() @ prior
    weight = s_n[:, :, None] * s_n[:, None, :]
    eps, step = 8 / 255, 4 / 255
    torch.manual_seed(2)          # the 0.001 N(0, 1) start of the attack
    x_adv = perturb(model=model, x_natural=images, step_size=step, epsilon=eps,
                    perturb_steps=3, distance='l_inf', weight=weight, alpha=4.0, beta=20.0)
    model.train()
    logits_adv, logits_nat = model(x_adv), model(images)
    loss_robust = at_loss(logits_nat, logits_adv, weight, 4.0, 20.0)
    loss_natural = F.cross_entropy(logits_nat, labels)
    kept = ('conv1.weight', 'block1.layer.0.conv1.weight', 'block3.layer.0.convShortcut.weight',
            'bn1.weight', 'fc.weight', 'fc.bias')      # first, middle and last layers
    params = dict(model.named_parameters())
    grads = torch.autograd.grad(loss_natural + loss_robust, [params[n] for n in kept])
    names = kept
    torch.save(dict(official_state_dict=state, images=images, labels=labels, prior=prior,
                    eps=eps, step_size=step, steps=3, attack_seed=2, alpha=4.0, beta=20.0,
                    x_adv=x_adv.detach(), loss_natural=loss_natural.detach(),
                    loss_robust=loss_robust.detach(),
                    grads={n: gr for n, gr in zip(names, grads)},
                    running_mean_after={k: v for k, v in model.state_dict().items()
                                        if k.endswith('running_mean')},
                    model_kwargs=dict(depth=10, widen_factor=1, num_classes=10)), out)
    print(f'wrote {out}: loss_natural {loss_natural.item():.6f}, '
          f'loss_robust {loss_robust.item():.6f}')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isdir(args.checkout):
        parser.error(f'{args.checkout} is not a checkout of the official repository')
    import torch
    kd = official_function(args.checkout, KD_FILE)
    at = official_function(args.checkout, AT_FILE)

    cases = {}
    o_m, o_n, labels, prior = _inputs(6, 10, seed=0)
    class_prior = torch.nn.functional.one_hot(labels, 10).double() @ prior  # official onehot@prior
    # KD: dkl_loss(student, teacher, T, alpha, beta, CLASS_PRIOR, GI, T2); o_m = teacher
    cases['kd_nogi'] = dict(
        call=dict(temperature=4.0, alpha=1.0, beta=8.0, weight_temperature=2.0, gi=False),
        **_run(kd, o_m, o_n, lambda m, n: (n, m, 4.0, 1.0, 8.0, None, False, 2.0), False))
    cases['kd_gi'] = dict(
        call=dict(temperature=1.0, alpha=1.0, beta=0.5, weight_temperature=1.0, gi=True),
        **_run(kd, o_m, o_n, lambda m, n: (n, m, 1.0, 1.0, 0.5, class_prior, True, 1.0), False))
    sample_weight = class_prior[:, :, None] * class_prior[:, None, :]
    cases['at_gi'] = dict(
        call=dict(temperature=1.0, alpha=4.0, beta=20.0, gi=True),
        # AT: dkl_loss(nat, adv, weight, alpha, beta); both logits carry gradients
        **_run(at, o_m, o_n, lambda m, n: (m, n, sample_weight, 4.0, 20.0), True))
    payload = dict(o_m=o_m, o_n=o_n, labels=labels, prior=prior, cases=cases,
                   source=dict(kd=KD_FILE, at=AT_FILE))
    torch.save(payload, osp.join(args.out, 'dkl_loss.pt'))
    whole_at_step(args.checkout, at, osp.join(args.out, 'whole_at_step.pt'))
    print(f'wrote {osp.join(args.out, "dkl_loss.pt")}: '
          + ', '.join(f'{k} loss {float(v["loss"]):.6f}' for k, v in cases.items()))
    return 0


if __name__ == '__main__':
    sys.exit(main())
