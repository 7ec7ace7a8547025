"""Regenerate the golden files of selfy from a checkout of the official repository.

    python packages/selfy/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports the official modules from the checkout (``sys.path``), patches
CUDA-only calls at run time (never edits a file), seeds, runs and saves inputs, weights and
outputs. It contains no official code.

Official calls (arunos728/SELFY at the commit of PROVENANCE.md):

- ``ops/selfy.py`` ``SELFYBlock(d_in=32, d_hid=16, num_segments=4)`` (window (5, 9, 9),
  channels (4, 16, 64, 64) / (64, 64, 64, 64), the official defaults) on ``(2*4, 32, 14, 14)``
  in eval mode (running statistics) and in train mode (batch statistics), forward and backward
  (gradient of ``sum(out * w)`` for a fixed random ``w``) -> ``block.pt``.
- ``ops/resnet_TSM.py`` ``ResNet(Bottleneck, Bottleneck, [3, 4, 6, 3], num_segments=8,
  flow_estimation=1, num_classes=5)`` (TSM-R50 + SELFY after layer2, what ``resnet50(...,
  flow_estimation=1)`` builds without the ImageNet download) on 2 clips x 8 frames x 64 x 64,
  eval mode; the input is raw 0..255 RGB, normalised here with the official ImageNet mean / std
  (``ops/models.py`` ``TSN.input_mean / input_std``), the logits averaged over the 8 segments
  (``TSN``'s ``ConsensusModule('avg')``; its old-style autograd Function does not run on torch 2)
  -> ``whole_forward.pt``. The state dict is saved under the names of an official ``TSN``
  checkpoint (``module.base_model.*``, the classifier as ``module.new_fc.*``, which is where
  ``TSN._prepare_tsn`` puts it with dropout 0.5).

Patched: ``torch.zeros(..., device='cuda')`` (``STSSTransformation._corr_abs_to_rel``) makes a
CPU tensor; ``spatial_correlation_sampler`` is absent, so the official block takes its naive
einsum path (``use_corr_sampler`` falls back to False).

Weights that make every part matter, and that the golden files need not hold:
:func:`selfy.testing.seeded_state_dict` (every BN non-trivial, so the official zero-init of
the last BN does not make the block the identity; convolutions at the Kaiming fan_out scale),
seed 0 for the block and 1 for the whole model, drawn on the official state dict's names; the
test draws the same tensors under the same names and converts them. The files store the
official names and shapes, the inputs and the outputs.
"""
from __future__ import annotations

import argparse
import contextlib
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@contextlib.contextmanager
def cpu_only():
    """``torch.zeros(..., device='cuda')`` and ``.cuda()`` stay on the CPU while the official
    code runs."""
    import torch
    saved = torch.zeros, torch.Tensor.cuda, torch.nn.Module.cuda

    def zeros(*args, **kwargs):
        if str(kwargs.get('device', 'cpu')).startswith('cuda'):
            kwargs['device'] = 'cpu'
        return saved[0](*args, **kwargs)

    torch.zeros = zeros
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    try:
        yield
    finally:
        torch.zeros, torch.Tensor.cuda, torch.nn.Module.cuda = saved


def seeded(module, seed: int) -> dict:
    """Load :func:`selfy.testing.seeded_state_dict` into ``module``; its names and shapes."""
    from selfy.testing import seeded_state_dict
    state = seeded_state_dict(module.state_dict(), seed)
    module.load_state_dict(state, strict=True)
    return {k: tuple(v.shape) for k, v in state.items()}


def block_golden(official_selfy) -> dict:
    import torch
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    kwargs = dict(d_in=32, d_hid=16, num_segments=4)
    block = official_selfy.SELFYBlock(kwargs['d_in'], kwargs['d_hid'],
                                      num_segments=kwargs['num_segments'])
    shapes = seeded(block, 0)
    state = {k: v.clone() for k, v in block.state_dict().items()}
    x = torch.rand(8, 32, 14, 14, generator=gen)
    w = torch.randn(8, 32, 14, 14, generator=gen)
    out = dict(kwargs=kwargs, seed=0, shapes=shapes, inputs=x, grad_weight=w)
    grads = ('stss_transformation.downsample.0.weight', 'stss_extraction.conv0.0.weight',
             'stss_extraction.conv3.0.weight', 'stss_integration.upsample.0.weight')
    for mode in ('eval', 'train'):
        block.load_state_dict(state)
        block.train(mode == 'train')
        block.zero_grad()
        xi = x.clone().requires_grad_(True)
        y = block(xi)
        (y * w).sum().backward()
        out[mode] = dict(outputs=y.detach(), input_grad=xi.grad.detach(),
                         param_grads={k: dict(block.named_parameters())[k].grad.clone()
                                      for k in grads})
    return out


def whole_forward_golden(official_resnet) -> dict:
    import torch
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(2)
    num_classes, segments = 5, 8
    model = official_resnet.ResNet(official_resnet.Bottleneck, official_resnet.Bottleneck,
                                   [3, 4, 6, 3], num_segments=segments, flow_estimation=1,
                                   num_classes=num_classes)
    official = {}
    for k, v in model.state_dict().items():  # the names of an official TSN checkpoint
        official['module.new_fc.' + k[4:] if k.startswith('fc1.') else
                 'module.base_model.' + k] = v
    from selfy.testing import seeded_state_dict
    state = seeded_state_dict(official, 1)
    model.load_state_dict({(k.replace('module.new_fc.', 'fc1.')
                            .replace('module.base_model.', '')): v for k, v in state.items()})
    model.eval()
    raw = torch.randint(0, 256, (2, segments, 3, 64, 64), generator=gen).float()
    mean = torch.tensor(MEAN).view(1, 1, 3, 1, 1) * 255
    std = torch.tensor(STD).view(1, 1, 3, 1, 1) * 255
    with torch.no_grad():
        x = ((raw - mean) / std).view(-1, 3, 64, 64)
        logits = model(x).view(2, segments, num_classes).mean(1)  # (N*T, K, 1) -> consensus
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    return dict(num_classes=num_classes, num_segments=segments, seed=1, shapes=shapes,
                inputs=raw, outputs=logits, mean=MEAN, std=STD)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'ops', 'selfy.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no ops/selfy.py)')
    sys.path.insert(0, osp.abspath(args.checkout))
    import torch
    with cpu_only():
        from ops import resnet_TSM, selfy
        block = block_golden(selfy)
        whole = whole_forward_golden(resnet_TSM)
    torch.save(block, osp.join(args.out, 'block.pt'))
    torch.save(whole, osp.join(args.out, 'whole_forward.pt'))
    print('wrote', osp.join(args.out, 'block.pt'), osp.join(args.out, 'whole_forward.pt'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
