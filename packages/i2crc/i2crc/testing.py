"""Deterministic weights and inputs for the golden tests, shared by ``tests/test_golden.py`` and
the harness ``tests/golden/make_golden.py`` (which fills the official ``VGG`` with them), so the
70 MB of VGG-16 weights are regenerated, not stored.

Each tensor is a function of its state-dict name's rank in sorted order and its shape: conv
weights ``N(0, 2 / fan_in)`` (He: the activations keep their scale through the 16 ReLU convs),
biases ``0.1 N(0, 1)`` (non-zero, so a bias that were dropped or misplaced would show).
"""
from __future__ import annotations

import math

import torch


def fill(shapes: dict) -> dict:
    out = {}
    for i, key in enumerate(sorted(shapes)):
        shape = tuple(shapes[key])
        r = torch.randn(shape, generator=torch.Generator().manual_seed(1000 + i))
        if key.endswith('bias'):
            out[key] = 0.1 * r
        else:
            out[key] = r * math.sqrt(2.0 / math.prod(shape[1:]))
    return out


def shapes_of(state_dict: dict) -> dict:
    return {k: tuple(v.shape) for k, v in state_dict.items() if v.is_floating_point()}


def golden_inputs(batch: int = 3, size=(48, 64)) -> dict:
    """Normalised images, smooth saliency in (0, 1) (not binary: ``w`` and ``w^2`` differ),
    labels with two single-label images and one two-class image (the relation losses must
    leave it out)."""
    g = torch.Generator().manual_seed(7)
    h, w = size
    img = torch.randn(batch, 3, h, w, generator=g)
    coarse = torch.rand(batch, 1, h // 8, w // 8, generator=g)
    sal = torch.nn.functional.interpolate(coarse, size=(h, w), mode='bilinear',
                                          align_corners=False)[:, 0]
    labels = torch.zeros(batch, 20)
    labels[0, 3] = 1
    labels[1, 14] = 1
    labels[2, 0] = labels[2, 11] = 1
    return dict(img=img, sal=sal.contiguous(), labels=labels)


def tiny_msc_segmentor():
    """A small ``I2crcMSCSegmentor`` (ResNet-18 widths 8, DeepLabV2Head with N(0, 0.3) weights so
    the scales' logits differ), in the mmseg scope."""
    import cvshared.wsss.deeplab  # noqa: F401  (DeepLabV2Head)
    from mmengine.registry import init_default_scope

    from .models import I2crcMSCSegmentor
    init_default_scope('mmseg')
    return I2crcMSCSegmentor(
        data_preprocessor=dict(type='SegDataPreProcessor', size=(65, 65)),
        backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8,
                      out_indices=(3,), strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4),
                      contract_dilation=True),
        decode_head=dict(type='DeepLabV2Head', in_channels=64, in_index=0, num_classes=21,
                         dilations=(6, 12, 18, 24), init_cfg=dict(type='Normal', std=0.3,
                                                                  layer='Conv2d'),
                         loss_decode=dict(type='CrossEntropyLoss')),
        train_cfg=dict(), test_cfg=dict(mode='whole'))
