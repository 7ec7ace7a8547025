"""Regenerate the golden files of motionsqueeze from a checkout of the official repository.

    python packages/motionsqueeze/tests/golden/make_golden.py /path/to/official/checkout [--out DIR]

Our harness only: it imports the official ``resnet_TSM`` from the checkout (``sys.path``), with
the run-time patches of :mod:`motionsqueeze.testing` (no compiled correlation sampler: the
official naive ``Matching_layer_mm``; ``'cuda'`` devices -> CPU), seeds, runs and saves inputs,
weights (official names) and outputs. It contains no official code. See PROVENANCE.md.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

HERE = osp.dirname(osp.abspath(__file__))
MEAN = (123.675, 116.28, 103.53)  # mmaction2's ActionDataPreprocessor = ImageNet x 255
STD = (58.395, 57.12, 57.375)


def _official_weights(model, seed: int, scale: float) -> dict:
    """The shared deterministic weights (:func:`motionsqueeze.testing.golden_weights`) by the
    official names, loaded strictly into the official model."""
    from motionsqueeze.testing import golden_weights
    weights = golden_weights({k: v.shape for k, v in model.state_dict().items()}, seed, scale)
    model.load_state_dict(weights, strict=True)
    return weights


def block_golden(module, out_dir: str) -> None:
    """``ms_block.pt``: the official MS module of R18 (``ResNet.chnl_reduction``,
    ``flow_computation`` (``Matching_layer_mm``, ``match_to_flow_soft``,
    ``apply_gaussian_kernel``), ``Flow_refinement``) on a (2 clips x 4 frames, 128, 8, 10)
    layer2 output, eval (running BN statistics) and train (batch statistics, with backward)."""
    import torch
    from motionsqueeze.testing import (
        BLOCK_CHANNELS,
        block_inputs,
        official_block,
        official_flow,
        official_model,
    )
    model = official_model(module, depth=18, num_segments=4)
    _official_weights(model, seed=100, scale=0.3)
    x = block_inputs()
    grad_out = torch.randn(x.shape, generator=torch.Generator().manual_seed(3))
    model.eval()
    with torch.no_grad():
        flow, confidence = official_flow(model, x)
        out_eval = official_block(model, x)
    model.train()
    xg = x.clone().requires_grad_()
    out_train = official_block(model, xg)
    (out_train * grad_out).sum().backward()
    params = dict(model.named_parameters())
    grads = {k: params[k].grad.clone() for k in (
        'chnl_reduction.0.weight', 'chnl_reduction.1.weight', 'chnl_reduction.1.bias',
        'flow_refinement.conv1.0.weight', 'flow_refinement.conv1.3.weight',
        'flow_refinement.conv2.0.weight', 'flow_refinement.conv4.3.weight',
        'flow_refinement.conv4.4.bias')}
    c = BLOCK_CHANNELS
    torch.save(dict(x_sum=x.double().sum(), flow=flow, confidence=confidence,
                    out_eval=out_eval[:, c].clone(), out_train=out_train.detach()[:, c].clone(),
                    grad_inputs=xg.grad[:, c].clone(), grad_params=grads, num_segments=4,
                    in_channels=128, weight_seed=100, weight_scale=0.3, grad_out_seed=3),
               osp.join(out_dir, 'ms_block.pt'))


def whole_golden(module, out_dir: str) -> None:
    """``whole_forward.pt``: raw clips (2 x 8 frames, 0..255, 112 x 112) through the official
    TSM-R18 + MS module (``ResNet.forward``, temperature 100; the stem, the shifted residual
    blocks, the MS module after layer2, layer3-4, average pooling, the ``fc1`` Conv1d) and the
    average consensus to the logits, in eval mode."""
    import torch
    from motionsqueeze.testing import official_logits, official_model, whole_raw_clips
    model = official_model(module, depth=18, num_segments=8, num_classes=5)
    _official_weights(model, seed=200, scale=0.2)
    raw = whole_raw_clips()
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1)
    clips = (raw.flatten(0, 1) - mean) / std
    # BN statistics of these activations (one cumulative train-mode pass), so that the eval
    # forward is well scaled through all 18 layers and every layer matters; stored
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        official_logits(model, clips, 8)
    model.eval()
    with torch.no_grad():
        logits = official_logits(model, clips, 8)
    stats = {k: v for k, v in model.state_dict().items()
             if k.endswith(('running_mean', 'running_var', 'num_batches_tracked'))}
    torch.save(dict(bn_statistics=stats, raw_sum=raw.double().sum(), outputs=logits, depth=18,
                    num_segments=8, num_classes=5, weight_seed=200, weight_scale=0.2,
                    mean=MEAN, std=STD),
               osp.join(out_dir, 'whole_forward.pt'))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkout', help='official repository at the commit of PROVENANCE.md')
    parser.add_argument('--out', default=HERE, help='where to write the golden files')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.checkout, 'resnet_TSM.py')):
        parser.error(f'{args.checkout} is not a checkout of the official repository '
                     '(no resnet_TSM.py)')
    from motionsqueeze.testing import import_official
    module = import_official(args.checkout)
    block_golden(module, args.out)
    whole_golden(module, args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
