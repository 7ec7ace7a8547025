"""Regenerate the regression golden files of hcml (HCML has NO official code: these are OUR
outputs on fixed non-degenerate weights, checked in ``tests/test_golden.py`` against an
independent plain-torch loop re-derivation of E1-E5 and kept as a regression reference).

    python packages/hcml/tests/golden/make_golden.py [--out DIR]

No official checkout is needed (there is none). ``hierarchy_case()`` and ``whole_case()`` build
the models and inputs deterministically (seeded ``torch.Generator``s, every parameter and BN
statistic drawn explicitly, independent of the modules' own init); the test rebuilds them.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

import torch

HERE = osp.dirname(osp.abspath(__file__))
T = 4


def fill(module: torch.nn.Module, seed: int, scale: float = 0.5) -> None:
    """Every parameter and BN buffer from ``Generator(seed)``, in name order: conv weights
    N(0, scale^2 * 2 / fan_in) (non-degenerate: the fusion BN scale is far from 0), BN scales
    U(0.5, 1.5), shifts U(-0.3, 0.3), running means N(0, 0.1), variances U(0.5, 1.5)."""
    g = torch.Generator().manual_seed(seed)
    state = module.state_dict()
    for name in sorted(state):
        v = state[name]
        if not v.is_floating_point():
            continue
        if name.endswith('running_var'):
            new = 0.5 + torch.rand(v.shape, generator=g, dtype=torch.float64)
        elif name.endswith('running_mean'):
            new = 0.1 * torch.randn(v.shape, generator=g, dtype=torch.float64)
        elif v.dim() == 1 and name.endswith('weight'):
            new = 0.5 + torch.rand(v.shape, generator=g, dtype=torch.float64)
        elif v.dim() == 1:
            new = 0.6 * torch.rand(v.shape, generator=g, dtype=torch.float64) - 0.3
        else:
            fan_in = v[0].numel()
            new = scale * (2.0 / fan_in) ** 0.5 * torch.randn(v.shape, generator=g,
                                                              dtype=torch.float64)
        v.copy_(new.to(v.dtype))


def hierarchy_case():
    """A 2-stage toy backbone (3x3 convs, stride 1 / 2) with the hierarchy after both stages and
    the contrastive losses (E = 6, tau = 0.005 so that the softmax is far from uniform, full
    resolution), eval mode; input 2 clips x T."""
    import hcml  # noqa: F401
    from hcml.models import HierarchicalMotionInfoNCE, MotionHierarchy
    torch.manual_seed(0)
    layers = torch.nn.ModuleList([torch.nn.Conv2d(4, 6, 3, 1, 1), torch.nn.Conv2d(6, 8, 3, 2, 1)])
    hierarchy = MotionHierarchy(['s1', 's2'], [6, 8], [5, 7], num_segments=T, stem_channels=4)
    nce = HierarchicalMotionInfoNCE(hierarchy.channels, T, 6, temperature=0.005, grid=None)
    for i, m in enumerate((layers, hierarchy, nce)):
        fill(m, 10 + i)
        m.eval()
    g = torch.Generator().manual_seed(3)
    stem = torch.randn(2 * T, 4, 6, 6, generator=g)
    return layers, hierarchy, nce, stem


def run_hierarchy(layers, hierarchy, nce, stem) -> dict:
    named = [('s1', layers[0]), ('s2', layers[1])]
    with torch.no_grad():
        outs = hierarchy(stem, named)
        losses = nce(hierarchy.last_motion)
    return dict(outs=outs, motion=list(hierarchy.last_motion),
                losses={k: v for k, v in losses.items()})


def whole_config() -> dict:
    return dict(
        type='HCMLRecognizer',
        backbone=dict(type='HCMLResNet', depth=18, num_segments=T, pretrained=None,
                      motion=dict(stages=['layer1', 'layer2', 'layer3', 'layer4'],
                                  motion_channels=8, zero_init_fusion=False)),
        contrastive=dict(embed_channels=16, temperature=0.1, grid=2, loss_weight=0.5),
        cls_head=dict(type='TSNHead', num_classes=5, in_channels=512,
                      consensus=dict(type='AvgConsensus', dim=1), dropout_ratio=0.0,
                      average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.7, 116.3, 103.5],
                               std=[58.4, 57.1, 57.4], format_shape='NCHW'))


def whole_case():
    """The whole recognizer (2D ResNet-18 + hierarchy at all four stages + TSNHead) from raw
    uint8 frames (2 clips x T frames of 48 x 48) to the class scores and the losses; eval-mode
    BN with drawn statistics."""
    import hcml  # noqa: F401
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(whole_config())
    fill(model, 20)
    model.eval()
    g = torch.Generator().manual_seed(4)
    frames = torch.randint(0, 256, (2, T, 3, 48, 48), generator=g, dtype=torch.uint8)
    samples = [ActionDataSample().set_gt_label(torch.tensor([k])) for k in (1, 3)]
    return model, frames, samples


def run_whole(model, frames, samples) -> dict:
    data = model.data_preprocessor(dict(inputs=list(frames), data_samples=samples), False)
    with torch.no_grad():
        scores = model(data['inputs'], data['data_samples'], mode='tensor')
        losses = model(data['inputs'], data['data_samples'], mode='loss')
    return dict(scores=scores, losses={k: v for k, v in losses.items()})


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=HERE)
    args = parser.parse_args(argv)
    if not osp.isdir(args.out):
        print(f'make_golden: --out {args.out} is not a folder', file=sys.stderr)
        raise SystemExit(2)
    layers, hierarchy, nce, stem = hierarchy_case()
    out = run_hierarchy(layers, hierarchy, nce, stem)
    torch.save(dict(stem=stem, **out), osp.join(args.out, 'hierarchy.pt'))
    model, frames, samples = whole_case()
    torch.save(dict(frames=frames, **run_whole(model, frames, samples)),
               osp.join(args.out, 'whole_forward.pt'))
    print(f'wrote hierarchy.pt and whole_forward.pt to {args.out}')


if __name__ == '__main__':
    main()
