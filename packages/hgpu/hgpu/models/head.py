"""The HGPU decoder (official ``DecoderNet``; paper Sec. III-C).

Input: the encoder's four levels F_l (l = 2..5), each ``3B x C_l x H_l x W_l`` with the nodes
stacked along the batch (see :class:`hgpu.models.encoder.HGPUEncoder`). With mdim = 256:

* motion refinement: c_l = MotionRef_l(F_{l,3}) (a logit map per level, from node 3) and the
  motion map c = sigmoid(conv3x3_{4->1}(cat_l up(c_l))), everything upsampled to the output
  size;
* for each target i in {1, 2} (frame k, frame k + 1): X_l = cat[F_{l,i}, c_l];
  m_5 = ResBlock(GC(X_5)), m_l = Refine_l(X_l, m_{l+1}) for l = 4, 3, 2;
  mask_i = sigmoid(up(conv3x3(ReLU(m_2)))) . c.

The head returns the two masks as PROBABILITIES (``B x 2 x H x W``: frame k, frame k + 1),
because the loss is the weighted BCE on them. For mmseg's prediction path (threshold /
``SegTTAModel`` averaging after a sigmoid) :meth:`predict_by_feat` returns logit(mask) of the
frame each sample is evaluated on, so that sigmoid(logit) gives back the official probability.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.vos import GlobalConv, MotionRef, Refine, ResBlock, init_decoder_weights
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize

from ..registry import MODELS

#: the clamp of the probability before ``torch.logit`` in the prediction path
PROB_EPS = 1e-6


@MODELS.register_module()
class HGPUHead(BaseDecodeHead):
    """Decoder of HGPU.

    Args:
        in_channels: C_2..C_5 of the encoder (256..2048 for ResNet-101).
        channels: mdim (256).
        out_size: ``(H, W)`` of the masks; ``None`` (default) = 4 x the level-2 size, i.e.
            the input size for a stride-4 level 2 (the official code hard-codes 512, its
            input size).
        reuse_rate6: PDC applies its rate-6 branch three times (official quirk, needed for
            the released weights).
        loss_decode: the weighted BCE (``WeightedBCELoss``); the loss is
            ½ (BCE(mask_1) + BCE(mask_2)).
        predict_frame: the key of the data-sample metainfo that says which of the two masks a
            sample is evaluated on (0 = frame k, 1 = frame k + 1; 0 when absent).
    """

    def __init__(self, in_channels=(256, 512, 1024, 2048), channels: int = 256,
                 out_size=None, reuse_rate6: bool = True,
                 loss_decode: dict | None = None, predict_frame: str = 'pair_index',
                 init_cfg=None, **kwargs):
        if loss_decode is None:
            loss_decode = dict(type='WeightedBCELoss', loss_weight=1.0)
        kwargs.setdefault('num_classes', 2)
        kwargs.setdefault('out_channels', 1)
        kwargs.setdefault('threshold', 0.5)
        super().__init__(in_channels=list(in_channels), channels=channels,
                         input_transform='multiple_select', in_index=[0, 1, 2, 3],
                         loss_decode=loss_decode, init_cfg=init_cfg, **kwargs)
        if len(self.in_channels) != 4:
            raise ValueError(f'HGPUHead expects 4 levels (C_2..C_5), got {self.in_channels}')
        del self.conv_seg  # the official head predicts with its own conv (``pred``)
        self.out_size = None if out_size is None else tuple(out_size)
        self.predict_frame = predict_frame
        c2, c3, c4, c5 = self.in_channels
        mdim = channels
        self.motion_refs = nn.ModuleList(MotionRef(c) for c in self.in_channels)
        self.fuse_motion = nn.Conv2d(4, 1, kernel_size=3, padding=1)
        self.gc = GlobalConv(c5 + 1, mdim)
        self.gc_res = ResBlock(mdim)
        self.refine4 = Refine(c4 + 1, mdim, reuse_rate6=reuse_rate6)
        self.refine3 = Refine(c3 + 1, mdim, reuse_rate6=reuse_rate6)
        self.refine2 = Refine(c2 + 1, mdim, reuse_rate6=reuse_rate6)
        self.pred = nn.Conv2d(mdim, 1, kernel_size=3, padding=1)
        init_decoder_weights(self)
        # built for the official checkpoint layout, never used: frozen, so that DDP needs no
        # find_unused_parameters (Refine's convFS1; PDC's rate-12 / 18 branches when reused)
        for refine in (self.refine2, self.refine3, self.refine4):
            unused = [refine.convFS1] + ([refine.pdc.block2, refine.pdc.block3]
                                         if reuse_rate6 else [])
            for module in unused:
                module.requires_grad_(False)

    def _mask(self, x5, x4, x3, x2, size):
        m = self.gc_res(self.gc(x5))
        m = self.refine4(x4, m)
        m = self.refine3(x3, m)
        m = self.refine2(x2, m)
        p = self.pred(F.relu(m))
        return torch.sigmoid(F.interpolate(p, size=size, mode='bilinear', align_corners=False))

    def forward(self, inputs):
        feats = self._transform_inputs(inputs)  # F_2 .. F_5
        for level, f in zip((2, 3, 4, 5), feats):
            if f.shape[0] % 3:
                raise ValueError(f'HGPUHead expects 3B stacked node features, got batch '
                                 f'{f.shape[0]} at level {level}')
        nodes = [f.chunk(3, dim=0) for f in feats]  # nodes[l][i]
        size = self.out_size or tuple(4 * s for s in feats[0].shape[2:])
        c_l = [ref(n[2]) for ref, n in zip(self.motion_refs, nodes)]
        up = [F.interpolate(c, size=size, mode='bilinear', align_corners=False) for c in c_l]
        c = torch.sigmoid(self.fuse_motion(torch.cat(up, dim=1)))
        masks = []
        for i in (0, 1):
            x2, x3, x4, x5 = (torch.cat([n[i], cl], dim=1) for n, cl in zip(nodes, c_l))
            masks.append(self._mask(x5, x4, x3, x2, size) * c)
        return torch.cat(masks, dim=1)  # B x 2 x H x W probabilities

    # ------------------------------------------------------------------ training
    def loss_by_feat(self, seg_logits: torch.Tensor, batch_data_samples) -> dict:
        """½ (BCE(mask_1, M_k; W_k) + BCE(mask_2, M_{k+1}; W_{k+1})), the W the
        hard-negative weight maps of the data samples."""
        probs = seg_logits
        targets, weights = [], []
        for s in batch_data_samples:
            t, w = _pair_targets(s)
            targets.append(t)
            weights.append(w)
        target, weight = torch.stack(targets).to(probs), torch.stack(weights).to(probs)
        if target.shape[-2:] != probs.shape[-2:]:
            probs = resize(probs, size=target.shape[-2:], mode='bilinear',
                           align_corners=self.align_corners)
        losses = {}
        for loss_fn in (self.loss_decode if isinstance(self.loss_decode, nn.ModuleList)
                        else [self.loss_decode]):
            terms = [loss_fn(probs[:, i:i + 1], target[:, i:i + 1], weight[:, i:i + 1])
                     for i in (0, 1)]
            losses[loss_fn.loss_name] = 0.5 * (terms[0] + terms[1])
        return losses

    # ------------------------------------------------------------------ inference
    def predict_by_feat(self, seg_logits: torch.Tensor, batch_img_metas) -> torch.Tensor:
        """logit of the mask of the frame each sample is evaluated on, at ``img_shape``."""
        idx = torch.tensor([int(m.get(self.predict_frame, 0)) for m in batch_img_metas],
                           device=seg_logits.device)
        probs = seg_logits[torch.arange(len(idx), device=idx.device), idx][:, None]
        probs = resize(probs, size=batch_img_metas[0]['img_shape'], mode='bilinear',
                       align_corners=self.align_corners)
        return torch.logit(probs.clamp(PROB_EPS, 1 - PROB_EPS))


def _pair_targets(sample):
    """(2 x H x W masks, 2 x H x W weights) of frame k and frame k + 1 of a data sample packed
    by :class:`cvshared.datasets.davis.PackFramePairInputs` (weights 1 + n, n the hard-negative
    map of ``LoadFramePairAnnotations(with_hed=True)``)."""
    missing = [k for k in ('gt_sem_seg', 'gt_sem_seg2', 'gt_hard_negative', 'gt_hard_negative2')
               if k not in sample]
    if missing:
        raise KeyError(f'HGPUHead needs {missing} in the training samples: load them with '
                       'LoadFramePairAnnotations(with_hed=True) and pack with '
                       'PackFramePairInputs (cvshared.datasets.davis)')
    mask = torch.cat([sample.gt_sem_seg.data, sample.gt_sem_seg2.data]).float()
    weight = 1.0 + torch.cat([sample.gt_hard_negative.data, sample.gt_hard_negative2.data])
    return mask, weight
