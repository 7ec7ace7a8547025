"""Regenerate the golden files of peerlearning from a checkout of the official repository.

    python packages/peerlearning/tests/golden/make_golden.py /path/to/weblyFG-dataset [--out DIR]

Our harness only: it imports the official modules from the checkout (``sys.path``: its
``loss_plm``, ``bcnn``, ``resnet``, ``lr_scheduler``), patches CUDA-only calls at run time
(never edits a file), seeds, runs and saves inputs and outputs. It contains no official code.
The network weights are not stored (VGG-16 alone is 59 MB): :func:`generated_weights` makes
them from a seed, here and in ``tests/test_golden.py``; the files keep per-tensor sums so a
change of torch's generator fails loudly instead of comparing different weights.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
# the arguments of generated_weights per network (test_golden.py reads them from here)
WEIGHTS = dict(bcnn=dict(gain=1.3, fc_gain=300.0),
               resnet50=dict(gain=1.0, bn_weight=(0.15, 0.45), fc_gain=1.0))
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


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


def generated_weights(shapes: dict, seed: int, gain: float = 1.3, bn_weight=(0.5, 1.5),
                      fc_gain: float = 1.0) -> dict:
    """Deterministic non-degenerate weights for a state dict's ``{name: shape}`` (in order):
    He-scaled conv weights (x ``gain``), ``fc.weight`` He-scaled x ``fc_gain`` (logits of order
    1 after the unit-norm B-CNN vector), biases N(0, 0.1), BN weights U(``bn_weight``), BN
    biases N(0, 0.2), running means N(0, 0.2), running variances U(0.5, 1.5)."""
    import torch
    g = torch.Generator().manual_seed(seed)
    out = {}
    for name, shape in shapes.items():
        shape = tuple(shape)
        if name.endswith('num_batches_tracked'):
            out[name] = torch.tensor(0)
        elif name.endswith('running_var'):
            out[name] = 0.5 + torch.rand(shape, generator=g)
        elif name.endswith('weight') and len(shape) == 1:
            low, high = bn_weight
            out[name] = low + (high - low) * torch.rand(shape, generator=g)
        elif name.endswith('running_mean') or (
                name.endswith('bias') and len(shapes.get(name[:-4] + 'weight', ())) == 1):
            out[name] = 0.2 * torch.randn(shape, generator=g)
        elif name.endswith('bias'):
            out[name] = 0.1 * torch.randn(shape, generator=g)
        else:
            fan_in = math.prod(shape[1:])
            scale = fc_gain if name.endswith('fc.weight') else gain
            out[name] = scale * math.sqrt(2.0 / fan_in) * torch.randn(shape, generator=g)
    return out


def weight_sums(state: dict) -> dict:
    return {k: float(v.double().sum()) for k, v in state.items()}


def normalise(images):
    """torchvision ``ToTensor`` + ``Normalize`` of the official test transform (uint8 RGB)."""
    import torch
    x = images.float() / 255
    return (x - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]


def smooth_images(n: int, size: int, seed: int):
    """Random uint8 RGB images with structure at several scales (not white noise)."""
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(seed)
    x = sum(F.interpolate(torch.rand(n, 3, s, s, generator=g), size=size, mode='bilinear',
                          align_corners=False) for s in (4, 16, size)) / 3
    return (x * 255).round().clamp(0, 255).to(torch.uint8)


def peer_cases():
    """Mini-batches where G_d and G_s are both non-empty, G_d is empty, and G_s is empty."""
    import torch
    g = torch.Generator().manual_seed(0)
    cases = []
    l1 = torch.randn(32, 10, generator=g) * 2
    l2 = l1 + torch.randn(32, 10, generator=g) * 1.5
    cases.append(('mixed', l1, l2, torch.randint(0, 10, (32,), generator=g), 0.35))
    l1 = torch.randn(24, 6, generator=g)
    l2 = 2 * l1 + 0.1 * torch.randn(24, 6, generator=g)
    l2 = torch.where(l1 == l1.max(1, keepdim=True).values, l2 + 6, l2)   # same argmax
    cases.append(('disagree_empty', l1, l2, torch.randint(0, 6, (24,), generator=g), 0.3))
    l1 = torch.eye(5)[torch.arange(10) % 5] * 4 + 0.5 * torch.randn(10, 5, generator=g)
    l2 = torch.eye(5)[(torch.arange(10) + 1) % 5] * 4 + 0.5 * torch.randn(10, 5, generator=g)
    cases.append(('agree_empty', l1, l2, torch.randint(0, 5, (10,), generator=g), 0.35))
    return cases


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'loss_plm.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no loss_plm.py)')
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    with cpu_only():
        import bcnn
        import loss_plm
        import lr_scheduler
        import resnet

        # 1. the peer-learning loss (loss_plm.peer_learning_loss) and its gradients
        cases = []
        for name, l1, l2, labels, rate in peer_cases():
            a, b = l1.clone().requires_grad_(True), l2.clone().requires_grad_(True)
            loss1, loss2 = loss_plm.peer_learning_loss(a, b, labels, rate)
            (loss1 + loss2).backward()
            cases.append(dict(name=name, logits1=l1, logits2=l2, labels=labels, drop_rate=rate,
                              loss1=loss1.detach(), loss2=loss2.detach(), grad1=a.grad,
                              grad2=b.grad))
        torch.save(dict(cases=cases), osp.join(args.out, 'peer_loss.pt'))

        # 2. bilinear pooling (bcnn.BCNN.bilinear_pool): ReLU features, one dead channel
        g = torch.Generator().manual_seed(1)
        x = torch.relu(torch.randn(2, 512, 6, 5, generator=g))
        x[:, 7] = 0
        # 4,096 random entries of the 512^2 and 64 of the dead channel's row (file size)
        index = torch.cat([torch.randperm(512 * 512, generator=g)[:4096],
                           torch.arange(7 * 512, 7 * 512 + 64)])
        pooled = bcnn.BCNN.bilinear_pool(x)
        torch.save(dict(features=x, index=index, pooled=pooled[:, index],
                        norm_of_rest=pooled.norm(dim=1)),
                   osp.join(args.out, 'bilinear_pool.pt'))

        # 3. the learning-rate plan (lr_scheduler.lr_scheduler)
        plan = lr_scheduler.lr_scheduler(1e-3, 200, warmup_end_epoch=5, mode='cosine')
        with open(osp.join(args.out, 'lr_plan.json'), 'w') as f:
            json.dump(dict(lr_init=1e-3, num_epochs=200, warmup=5,
                           plan=[float(v) for v in plan]), f)

        # 4. whole forwards from the raw image: B-CNN (VGG-16) and ResNet-50
        for name, cls, n_classes, size, seed, kw in (
                ('bcnn', bcnn.BCNN, 5, 64, 2, WEIGHTS['bcnn']),
                ('resnet50', resnet.ResNet50, 7, 64, 3, WEIGHTS['resnet50'])):
            net = cls(n_classes=n_classes, pretrained=False, use_two_step=False).eval()
            shapes = {k: tuple(v.shape) for k, v in net.state_dict().items()}
            state = generated_weights(shapes, seed, **kw)
            net.load_state_dict(state)
            images = smooth_images(2, size, seed)
            with torch.no_grad():
                logits = net(normalise(images))
            torch.save(dict(images=images, n_classes=n_classes, seed=seed,
                            shapes=shapes, weight_sums=weight_sums(state), logits=logits),
                       osp.join(args.out, f'whole_forward_{name}.pt'))
    print(f'wrote the golden files to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
