"""Regenerate ``whole_forward.pt`` from a checkout of the official TransCAM code (the baseline
AD-CAM improves on; AD-CAM itself has no public code):

    python packages/adcam/tests/golden/make_golden.py /path/to/TransCAM [--out DIR]

A tiny Conformer (``network.conformer.Net``: 3 blocks, 48 dims, 3 heads, channel ratio 0.25,
21 classes) gets OUR model's weights (``adcam.convert.to_official`` of a seeded
``AdcamCAMNet``), with tied query/key projections (std 1.0) so that the attention is far from
uniform, and random BatchNorm statistics / affine parameters so that every BN matters. The weights
are not stored (the test rebuilds them with :func:`our_model`; a per-tensor fingerprint is). A raw
128 x 128 RGB image (random, smoothed) is normalised as the official ``imutils.Normalize``
does and run through the official ``Net.forward`` with ``method='convcam'`` and
``'transcam'``; forward hooks on the official ``Attention`` modules record each block's
attention weights. Everything runs on the CPU (no ``.cuda()`` is called by these functions).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys

import numpy as np
import torch
import torch.nn.functional as F

ARCH = dict(embed_dims=48, depths=3, num_heads=3, channel_ratio=0.25)
QK_STD = 1.0
SEED = 0
SIZE = 128


def our_model():
    """The seeded ``AdcamCAMNet`` whose weights the golden run uses (eval mode)."""
    from adcam.models import AdcamCAMNet
    torch.manual_seed(SEED)
    net = AdcamCAMNet(backbone=dict(type='AdcamConformer', arch=ARCH))
    net.backbone.tie_query_key(QK_STD)
    g = torch.Generator().manual_seed(SEED + 1)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)
    return net.eval()


def raw_image() -> np.ndarray:
    """A smooth random ``SIZE x SIZE x 3`` uint8 image (regions, not white noise)."""
    g = torch.Generator().manual_seed(SEED + 2)
    low = torch.rand(1, 3, 8, 8, generator=g)
    img = F.interpolate(low, (SIZE, SIZE), mode='bilinear', align_corners=False)[0]
    img = img + 0.05 * torch.rand(3, SIZE, SIZE, generator=g)
    return (img.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('official', help='checkout of github.com/liruiwen/TransCAM')
    parser.add_argument('--out', default=osp.dirname(osp.abspath(__file__)))
    args = parser.parse_args(argv)
    sys.path.insert(0, osp.abspath(args.official))
    import network.conformer as official  # noqa: E402  (the official checkout)
    from adcam.convert import to_official
    from tool import imutils  # noqa: E402
    ours = our_model()
    net = official.Net(patch_size=16, channel_ratio=ARCH['channel_ratio'],
                       embed_dim=ARCH['embed_dims'], depth=ARCH['depths'],
                       num_heads=ARCH['num_heads'], mlp_ratio=4, qkv_bias=True, num_classes=21)
    net.load_state_dict(to_official(ours.state_dict()), strict=True)
    net.eval()
    attns = []
    for m in net.modules():
        if isinstance(m, official.Attention):
            m.register_forward_hook(lambda mod, inp, out: attns.append(out[1].detach().clone()))
    img = raw_image()
    x = imutils.Normalize()(img.astype(np.float32))     # official (img / 255 - mean) / std
    x = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None].float()
    with torch.no_grad():
        conv_logits, trans_logits, convcam = net('convcam', x)
        block_attns = list(attns)
        attns.clear()
        _, _, transcam = net('transcam', x)
    os.makedirs(args.out, exist_ok=True)
    # the weights are rebuilt by the test from our_model() (same seed); their fingerprint is
    # stored to catch a change of torch's random streams
    fingerprint = torch.stack([v.double().abs().sum() for v in ours.state_dict().values()
                               if v.is_floating_point()])
    torch.save(dict(weight_fingerprint=fingerprint, image=torch.from_numpy(img),
                    conv_logits=conv_logits, trans_logits=trans_logits, convcam=convcam,
                    transcam=transcam, attns=block_attns),
               osp.join(args.out, 'whole_forward.pt'))
    print('wrote', osp.join(args.out, 'whole_forward.pt'))


if __name__ == '__main__':
    main()
