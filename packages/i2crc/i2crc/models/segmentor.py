"""DeepLab-v2's multi-scale input wrapper (MSC; official ``segmentation/libs/models/msc.py``,
deeplab-pytorch's) as an mmseg ``EncoderDecoder``.

The segmentor (backbone + ``DeepLabV2Head``, the ASPP sum of ``cvshared.wsss.deeplab``) runs on
the input at scale 1 and at ``msc_scales`` (official 0.5, 0.75; bilinear, ``align_corners=
False``, ``scale_factor``), giving logits ``l_1, l_0.5, l_0.75``; ``l_max`` = their pixel-wise
maximum after resizing the scaled ones bilinearly to ``l_1``'s size.

* training: the cross-entropy (ignore 255) of each of the four outputs against the label map
  resized to that output's size by nearest neighbour at pixel centres (the official
  ``resize_labels``, PIL ``NEAREST``; here ``nearest-exact``), summed (``loss_ce_s1``,
  ``loss_ce_s0.5``, ``loss_ce_s0.75``, ``loss_ce_max``);
* test: ``l_max``, upsampled bilinearly to the input size (mmseg's whole-image inference).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmseg.models.segmentors import EncoderDecoder

from ..registry import MODELS


@MODELS.register_module()
class I2crcMSCSegmentor(EncoderDecoder):  # candidate for cvshared (deeplab-pytorch's MSC)
    """``EncoderDecoder`` with DeepLab-v2 MSC (module docstring).

    Args:
        msc_scales: The extra input scales (official 0.5, 0.75).
        ignore_index: Label id left out of the loss (255).
        Other arguments as mmseg's ``EncoderDecoder``.
    """

    def __init__(self, *args, msc_scales=(0.5, 0.75), ignore_index: int = 255, **kwargs):
        super().__init__(*args, **kwargs)
        self.msc_scales = tuple(float(s) for s in msc_scales)
        self.ignore_index = ignore_index

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode_head(self.extract_feat(x))

    def msc_logits(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        """``[l_1, l_s for s in msc_scales, l_max]``."""
        base = self._logits(inputs)
        size = base.shape[-2:]
        pyramid = [self._logits(F.interpolate(inputs, scale_factor=s, mode='bilinear',
                                              align_corners=False)) for s in self.msc_scales]
        resized = [base] + [F.interpolate(p, size=size, mode='bilinear', align_corners=False)
                            for p in pyramid]
        return [base] + pyramid + [torch.stack(resized).max(0)[0]]

    def encode_decode(self, inputs, batch_img_metas):
        logits = self.msc_logits(inputs)[-1]
        size = batch_img_metas[0]['img_shape'] if batch_img_metas else inputs.shape[-2:]
        return F.interpolate(logits, size=tuple(size), mode='bilinear',
                             align_corners=self.align_corners)

    def _forward(self, inputs, data_samples=None):
        return self.msc_logits(inputs)[-1]

    def loss(self, inputs, data_samples) -> dict:
        labels = torch.stack([s.gt_sem_seg.data for s in data_samples]).to(inputs.device)
        labels = labels.float()
        names = ['s1'] + [f's{s:g}' for s in self.msc_scales] + ['max']
        losses = {}
        for name, logit in zip(names, self.msc_logits(inputs)):
            lab = F.interpolate(labels, size=logit.shape[-2:], mode='nearest-exact')
            losses[f'loss_ce_{name}'] = F.cross_entropy(logit, lab[:, 0].long(),
                                                        ignore_index=self.ignore_index)
        return losses
