"""The hierarchical graph encoder of HGPU (paper Sec. III-B, Fig. 2).

Three nodes, each with its own ResNet (no weight sharing): node 1 sees frame I_k, node 2
frame I_{k+1}, node 3 the optical-flow image O_k (rendered as RGB). The edges are the pairs
(1, 3), (2, 3) and (1, 2). With ResNet stages 2-5 (``layer1``-``layer4``, C_l channels):

* stage 2 has no message passing: Q_2 = (R_2(h_1, h_3), R_2(h_2, h_3), R_2(h_1, h_2));
* stages l = 3, 4, 5:

  1. every node runs its own stage, h_i = Res_{l,i}(Q_{l-1,i});
  2. messages per edge, (Z_13, Z_31) = M_l(h_1, h_3), likewise for (2, 3) and (1, 2), with
     M_l the parallel soft-attention / co-attention of :class:`cvshared.vos.ParallelCoAttention`
     (one round in the ``'pre'`` mode, five in ``'main'``);
  3. GRU updates with one ConvGRU per stage: g_13 = GRU_l(Z_13, h_1), g_31 = GRU_l(Z_31, h_3),
     ... (six directed updates);
  4. readouts Q_l = (R_l(g_13, g_31), R_l(g_23, g_32), R_l(g_12, g_21)), with R_l the
     :class:`cvshared.vos.Readout` (GCT shared by both inputs, then iAFF).

After stage 2, "node 3" carries the frame-frame fusion, not pure motion. The outputs are
F_{l,i} = MACU'_l(Q_{l,i}): one GCT per level (``gct2``-``gct5``), shared by the nodes.
"""
from __future__ import annotations

import torch
import torch.nn as nn
from cvshared.vos import GCT, ParallelCoAttention, Readout
from mmengine.model import BaseModule

from ..registry import MODELS
from .gru import ConvGRUCell

#: message-passing rounds of each mode (official ``EncoderNet.flag``)
MODES = {'pre': 1, 'main': 5}
#: the three edges (node indices, 0-based) in the official order
EDGES = ((0, 2), (1, 2), (0, 1))


@MODELS.register_module()
class HGPUEncoder(BaseModule):
    """Three ResNet streams with message passing, GRU updates and readouts at stages 2-5.

    Args:
        backbone: config of ONE stream (an mmseg ``ResNet``; ResNet-101 in the paper). It is
            built three times (frame k, frame k + 1, flow image).
        channels: the stage widths C_2..C_5 of that ResNet (256..2048 for ResNet-50/101,
            64..512 for ResNet-18).
        mode: ``'pre'`` (one SA -> CA round; YouTube-VOS pre-training) or ``'main'`` (five
            rounds; DAVIS main training). Both use the same parameters, so a checkpoint runs
            in either mode; the official test script runs ``'pre'`` on 11 DAVIS-16 val
            videos and ``'main'`` on the other 9 (see the README).
        reduction: C / reduction channels of the co-attention projections (16).
        fusion_ratio: iAFF bottleneck ratio r of the readouts (4).
        reuse_first_global: iAFF's second pass uses the first global branch (official quirk).

    Input: ``B x 9 x H x W`` (frame k, frame k + 1 and flow image channels, in that order).
    Output: four levels, each ``3B x C_l x H_l x W_l`` with the nodes stacked along the batch
    (F_{l,1} of the B samples first, then F_{l,2}, then F_{l,3}).
    """

    def __init__(self, backbone: dict, channels=(256, 512, 1024, 2048), mode: str = 'pre',
                 reduction: int = 16, fusion_ratio: int = 4, reuse_first_global: bool = True,
                 init_cfg=None):
        super().__init__(init_cfg)
        if mode not in MODES:
            raise ValueError(f'HGPUEncoder mode must be one of {sorted(MODES)}, got {mode!r}')
        if len(channels) != 4:
            raise ValueError(f'HGPUEncoder needs the 4 stage widths C_2..C_5, got {channels}')
        self.mode = mode
        self.channels = tuple(channels)
        self.streams = nn.ModuleList(MODELS.build(backbone) for _ in range(3))
        for s in self.streams:
            if getattr(s, 'deep_stem', False) or not hasattr(s, 'res_layers'):
                raise ValueError('HGPUEncoder streams must be mmseg ResNets with the '
                                 'torchvision stem (deep_stem=False)')
        for level, c in zip((2, 3, 4, 5), self.channels):
            setattr(self, f'readout{level}',
                    Readout(c, r=fusion_ratio, reuse_first_global=reuse_first_global))
            if reuse_first_global:  # iAFF's global_att2 is never used: frozen (no DDP
                # find_unused_parameters), kept for the official checkpoint layout
                getattr(self, f'readout{level}').iaff.global_att2.requires_grad_(False)
            setattr(self, f'gct{level}', GCT(c))  # MACU'_l
            if level > 2:
                setattr(self, f'message{level}',
                        ParallelCoAttention(c, rounds=MODES[mode], reduction=reduction))
                setattr(self, f'gru{level}', ConvGRUCell(c))

    @staticmethod
    def _stem(stream, x):
        return stream.maxpool(stream.relu(stream.norm1(stream.conv1(x))))

    def forward(self, x: torch.Tensor):
        if x.dim() != 4 or x.shape[1] != 9:
            raise ValueError(f'HGPUEncoder expects B x 9 x H x W (frame k, frame k+1, flow '
                             f'image), got {tuple(x.shape)}; load the inputs with the '
                             f'frame-pair pipeline of cvshared.datasets.davis')
        rounds = MODES[self.mode]
        inputs = x.chunk(3, dim=1)
        h = [getattr(s, s.res_layers[0])(self._stem(s, f)) for s, f in zip(self.streams, inputs)]
        q = [self.readout2(h[a], h[b]) for a, b in EDGES]
        outs = [q]
        for level, name_idx in zip((3, 4, 5), (1, 2, 3)):
            h = [getattr(s, s.res_layers[name_idx])(qi) for s, qi in zip(self.streams, q)]
            message = getattr(self, f'message{level}')
            gru = getattr(self, f'gru{level}')
            readout = getattr(self, f'readout{level}')
            q = []
            for a, b in EDGES:
                z_ab, z_ba = message(h[a], h[b], rounds=rounds)[:2]
                q.append(readout(gru(z_ab, h[a]), gru(z_ba, h[b])))
            outs.append(q)
        return tuple(
            torch.cat([getattr(self, f'gct{level}')(qi) for qi in q], dim=0)
            for level, q in zip((2, 3, 4, 5), outs))
