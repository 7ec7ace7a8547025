"""The per-level fusion modules of HFAN (paper Sec. 3.2-3.4).

Notation (paper): at pyramid level l the shared MiT encoder gives appearance features
``im`` (from the RGB frame) and motion features ``fw`` (from the optical-flow image), both
``B x C x H x W``.

* **FAM** (feature alignment, Sec. 3.3): a 1x1 conv + ReLU predicts 2-way object logits P from
  ``im``; *category-specific semantics* (CSS) are the two region descriptors
  R = softmax_HW(P) . im^T (foreground / background); *primary object context* (POC) attends
  every pixel of a modality to R (OCR-style object attention + bottleneck). The same POC, with
  the *appearance* descriptors R, runs on both modalities:
  A_im = POC(im, R), A_fw = POC(fw, R) and FAM returns A_im + A_fw.
* **FAT** (feature adaptation, Sec. 3.4): with s = a + b, a gate
  w = sigmoid(L(s) + G(s)) mixes the two inputs as 2 a w + 2 b (1 - w), where L is a local
  (pixel-wise) bottleneck and G the same bottleneck after global average pooling.
* **HFAN** = FAM then FAT: the gate is computed on A_im + A_fw and mixes A_im and A_fw.

CSS and POC are mmseg's OCR blocks (``SpatialGatherModule`` with scale 1 and
``ObjectAttentionBlock``), which are numerically the modules the official code defines.
The bottleneck width is C // r; the official head uses r = C // 16, i.e. 16 channels at every
level. Submodule names follow the official checkpoint layout (``object_pred``, ``css``, ``poc``,
``ca_layers``, ``pa_layers``) so released weights load without renaming.
"""
from __future__ import annotations

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_activation_layer, build_norm_layer
from mmseg.models.decode_heads.ocr_head import ObjectAttentionBlock, SpatialGatherModule

__all__ = ['FeatureAlignment', 'FeatureAdaptation', 'HierarchicalFeatureAlignment']


def _defaults(norm_cfg, act_cfg):
    """BN / ReLU unless given (the official modules hard-code these)."""
    return norm_cfg or dict(type='BN'), act_cfg or dict(type='ReLU')


def _bottleneck(channels: int, inter_channels: int, norm_cfg: dict, act_cfg: dict,
                global_pool: bool) -> nn.Sequential:
    """L(z) or G(z) of FAT: [conv1x1 + ReLU] -> BN -> act -> [conv1x1 + ReLU] -> BN.

    The ReLU inside each conv step comes from ``ConvModule``'s default activation, exactly as
    in the official code (so the gate input is BN(ReLU(conv(...)))).
    """
    layers = [nn.AdaptiveAvgPool2d(1)] if global_pool else []
    layers += [
        ConvModule(channels, inter_channels, kernel_size=1),
        build_norm_layer(norm_cfg, inter_channels)[1],
        build_activation_layer(act_cfg),
        ConvModule(inter_channels, channels, kernel_size=1),
        build_norm_layer(norm_cfg, channels)[1],
    ]
    return nn.Sequential(*layers)


class _AdaptationGate(nn.Module):
    """w = sigmoid(L(s) + G(s)) and the mix 2 a w + 2 b (1 - w) (paper Eq. 9-10)."""

    def __init__(self, channels: int, inter_channels: int, norm_cfg: dict, act_cfg: dict):
        super().__init__()
        self.ca_layers = _bottleneck(channels, inter_channels, norm_cfg, act_cfg, False)  # L
        self.pa_layers = _bottleneck(channels, inter_channels, norm_cfg, act_cfg, True)  # G

    def adapt(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        s = a + b
        w = torch.sigmoid(self.ca_layers(s) + self.pa_layers(s))
        return 2 * a * w + 2 * b * (1 - w)


class _AlignmentMixin:
    """Builds CSS + POC + the object predictor, and computes (A_im, A_fw)."""

    def _build_alignment(self, channels, inter_channels, conv_cfg, norm_cfg, act_cfg):
        self.object_pred = ConvModule(channels, 2, kernel_size=1)  # P = ReLU(conv(im))
        self.css = SpatialGatherModule(scale=1)
        self.poc = ObjectAttentionBlock(channels, inter_channels, 1, conv_cfg, norm_cfg, act_cfg)

    def align(self, im: torch.Tensor, fw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        regions = self.css(im, self.object_pred(im))  # B x C x 2 x 1, from appearance only
        return self.poc(im, regions), self.poc(fw, regions)


class FeatureAlignment(_AlignmentMixin, nn.Module):
    """FAM: returns A_im + A_fw (paper Eq. 4-8; official ``select_method='fam'``)."""

    def __init__(self, channels: int, r: int, conv_cfg=None, norm_cfg=None, act_cfg=None):
        norm_cfg, act_cfg = _defaults(norm_cfg, act_cfg)
        super().__init__()
        self._build_alignment(channels, channels // r, conv_cfg, norm_cfg, act_cfg)

    def forward(self, im, fw):
        a_im, a_fw = self.align(im, fw)
        return a_im + a_fw


class FeatureAdaptation(_AdaptationGate):
    """FAT alone: the gate applied to the raw features (official ``select_method='fat'``)."""

    def __init__(self, channels: int, r: int, conv_cfg=None, norm_cfg=None, act_cfg=None):
        norm_cfg, act_cfg = _defaults(norm_cfg, act_cfg)
        super().__init__(channels, channels // r, norm_cfg, act_cfg)

    def forward(self, im, fw):
        return self.adapt(im, fw)


class HierarchicalFeatureAlignment(_AlignmentMixin, _AdaptationGate):
    """HFAN_l = FAT(FAM(im, fw)): align, then adapt the aligned pair (official ``'hfan'``)."""

    def __init__(self, channels: int, r: int, conv_cfg=None, norm_cfg=None, act_cfg=None):
        norm_cfg, act_cfg = _defaults(norm_cfg, act_cfg)
        _AdaptationGate.__init__(self, channels, channels // r, norm_cfg, act_cfg)
        self._build_alignment(channels, channels // r, conv_cfg, norm_cfg, act_cfg)

    def forward(self, im, fw):
        a_im, a_fw = self.align(im, fw)
        return self.adapt(a_im, a_fw)
