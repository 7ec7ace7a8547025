"""The HCPN encoder (official ``libs/model/HCPN.py``, ``EncoderNet``): three ResNets (frame
I_k, frame I_k+1, flow image O_k) whose stages 3-5 exchange information through the parallel
co-attention module (PCM) and the cross co-attention module (CCM).

Notation (paper Sec. III; card, HCPN section): ``h_l,1``, ``h_l,2``, ``h_l,f`` are the outputs of
stage ``l`` (ResNet stages 2-5 = torchvision ``layer1``-``layer4``, C_l = 256 / 512 / 1024 /
2048 for ResNet-101) of the frame-1, frame-2 and flow streams. At l = 3, 4, 5, after each
stream's own stage:

    (Za1, Zb1, Qa1, Qb1) = PCM_l(h_l,1, h_l,f)      (Za2, Zb2, Qa2, Qb2) = PCM_l(h_l,2, h_l,f)
    h_l,i <- ReLU(Zb_i + h_l,i)                       (image node takes the FLOW-side output)
    h_l,f <- ReLU(CCM_l(Qb1, Qb2) + h_l,f)

and the updated features feed stage l + 1. Za and Qa are computed but unused (as in the
official code). Outputs per level: ``F_l,i = GAC_l(cat[h_l,i, h_l,f])`` (2 C_l channels), one
GAC per level shared by both targets. PCM is :class:`cvshared.vos.ParallelCoAttention` (5
rounds), CCM is :class:`cvshared.vos.Readout` (= GAF(GAC(x), GAC(y))) and GAC is
:class:`cvshared.vos.GCT`.

The official model also builds ``pca_res2`` (a PCM with 128 channels) and ``cca_res2`` (a CCM
of stage 2) that its forward never calls; they are not built here (:mod:`hcpn.convert` drops
their keys by name).
"""
from __future__ import annotations

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.vos import GCT, ParallelCoAttention, Readout
from mmengine.model import BaseModule

from ..registry import MODELS

STREAMS = ('image1', 'image2', 'flow')
#: the stages with co-attention (paper: l = 3, 4, 5; index into the ResNet's res layers)
INTERACTION_LEVELS = (3, 4, 5)


def stage_channels(resnet) -> list[int]:
    """Output channels of the four res layers of an mmseg ``ResNet``."""
    return [resnet.block.expansion * resnet.base_channels * 2 ** i
            for i in range(resnet.num_stages)]


@MODELS.register_module()
class HCPNEncoder(BaseModule):
    """Three-stream ResNet encoder with PCM / CCM at stages 3-5 and GAC outputs.

    Args:
        backbone: config of ONE stream (mmseg ``ResNet``, ``depth=101`` in the paper); it is
            built three times (no weight sharing). Its ``init_cfg`` (ImageNet weights from a
            path, converted by ``tools/model_converters/hcpn_official_to_ours.py``) applies to
            each of the three.
        pcm_rounds: SA -> CA rounds of the PCM (5 in the paper).
        reduction: channel reduction of the CA projections (16).
        gaf_reduction: reduction ``r`` of the GAF (iAFF) inside CCM (4).
        reuse_first_global: the official GAF quirk (second pass reuses the first global
            branch); keep ``True`` to load official weights.

    Shape: ``forward(img1, img2, flow)``, each ``(B, 3, H, W)`` ->
    ``(feats1, feats2)``, each a tuple ``(F_2, F_3, F_4, F_5)`` with ``2 C_l`` channels at
    strides 4 / 8 / 16 / 32.
    """

    def __init__(self, backbone: dict, pcm_rounds: int = 5, reduction: int = 16,
                 gaf_reduction: int = 4, reuse_first_global: bool = True, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if backbone.get('num_stages', 4) != 4:
            raise ValueError(f'HCPNEncoder needs the four res stages of a ResNet, got '
                             f'num_stages={backbone["num_stages"]}')
        for name in STREAMS:
            setattr(self, name, MODELS.build(copy.deepcopy(backbone)))
        channels = stage_channels(self.image1)
        self.channels = channels
        self.out_channels = [2 * c for c in channels]
        # PCM_l and CCM_l for l = 3, 4, 5 (index l - 2 into channels)
        self.pcm = nn.ModuleDict({
            str(level): ParallelCoAttention(channels[level - 2], rounds=pcm_rounds,
                                            reduction=reduction)
            for level in INTERACTION_LEVELS})
        self.ccm = nn.ModuleDict({
            str(level): Readout(channels[level - 2], r=gaf_reduction,
                                reuse_first_global=reuse_first_global)
            for level in INTERACTION_LEVELS})
        # GAC_l on cat[h_l,i, h_l,f], l = 2..5
        self.gac = nn.ModuleDict({str(level): GCT(2 * c) for level, c in
                                  zip(range(2, 6), channels)})

    @staticmethod
    def _stem(resnet, x):
        if resnet.deep_stem:
            x = resnet.stem(x)
        else:
            x = resnet.relu(resnet.norm1(resnet.conv1(x)))
        return resnet.maxpool(x)

    def interact(self, level: int, h1, h2, hf):
        """One co-attention propagation step at ``level`` (3, 4 or 5): the card's steps 1-3."""
        pcm, ccm = self.pcm[str(level)], self.ccm[str(level)]
        _, zb1, _, qb1 = pcm(h1, hf)
        _, zb2, _, qb2 = pcm(h2, hf)
        h1 = F.relu(zb1 + h1)
        h2 = F.relu(zb2 + h2)
        hf = F.relu(ccm(qb1, qb2) + hf)
        return h1, h2, hf

    def forward(self, img1: torch.Tensor, img2: torch.Tensor, flow: torch.Tensor):
        if not (img1.shape == img2.shape == flow.shape):
            raise ValueError(f'HCPNEncoder: frame 1 {tuple(img1.shape)}, frame 2 '
                             f'{tuple(img2.shape)} and flow {tuple(flow.shape)} must have the '
                             'same shape')
        streams = [getattr(self, name) for name in STREAMS]
        h = [self._stem(net, x) for net, x in zip(streams, (img1, img2, flow))]
        levels = []  # (h_l,1, h_l,2, h_l,f) after the interaction, l = 2..5
        for index, layer_name in enumerate(self.image1.res_layers):
            level = index + 2
            h = [getattr(net, layer_name)(x) for net, x in zip(streams, h)]
            if level in INTERACTION_LEVELS:
                h = list(self.interact(level, *h))
            levels.append(tuple(h))
        feats1 = tuple(self.gac[str(level)](torch.cat([h1, hf], dim=1))
                       for level, (h1, _, hf) in zip(range(2, 6), levels))
        feats2 = tuple(self.gac[str(level)](torch.cat([h2, hf], dim=1))
                       for level, (_, h2, hf) in zip(range(2, 6), levels))
        return feats1, feats2
