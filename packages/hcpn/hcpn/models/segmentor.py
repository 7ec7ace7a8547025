"""HCPN as an mmseg segmentor: encoder (:class:`HCPNEncoder`), decoder (:class:`HCPNDecoder`),
the paper's loss, flip test-time augmentation and the optional dense CRF.

Input: ``B x 9 x H x W`` = frame I_k, frame I_k+1 and the flow image O_k (RGB each,
normalised by the data preprocessor with the ImageNet statistics, flow included, as the
official code does).

Loss (official ``train.py``; ``BCE_w`` = ``F.binary_cross_entropy(p, y, weight=w)``, the
official ``libs/utils/obj.py`` ``Loss``, with the HED hard-negative weight ``w = 1 + n`` of
each frame, used for both its mask and its contour):

    L = 1/2 (BCE_w(m1, gt1) + BCE_w(m2, gt2)) + lambda * 1/2 (BCE_w(c1, ctr1) + BCE_w(c2, ctr2))

with lambda = ``contour_weight`` = 0.5. Reported as ``loss_mask`` and ``loss_contour`` (the
latter already multiplied by lambda), whose sum is L.

``BCE_w`` is :func:`cvshared.vos.losses.weighted_bce` (``F.binary_cross_entropy``, whose
backward stays finite where a probability saturates to exactly 0 or 1, as the official code's
does; a first hand-written version of the shared loss had NaN gradients there and stopped the
synthetic training after about 130 iterations).

Test (official ``test.py``): the official script slides over the pairs (0, 1), (1, 2), ...
and writes both masks of each pair, the next pair overwriting frame k + 1, so frame t < n - 1
keeps ``m1`` of pair t and frame n - 1 ``m2`` of pair n - 2. A sample's ``pair_index``
(:class:`cvshared.datasets.davis.VOSFramePairEvalDataset`: 0, or 1 for the last frame; absent
= 0, e.g. the training pairs) selects that output. With ``flip_test`` the selected mask is the
mean of the mask and the horizontally flipped mask of the flipped input; then it is resized to
the original frame size and binarised at 0.5, or by :func:`hcpn.models.crf.davis_crf` on the
frame it predicts (``img_path``, or ``img2_path`` for ``pair_index`` 1) when ``crf=True`` (the
reported numbers use both).
"""
from __future__ import annotations

import numpy as np
import torch
from cvshared.vos.losses import hard_negative_weight, weighted_bce
from mmengine.structures import PixelData
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.structures import SegDataSample

from ..registry import MODELS
from .crf import davis_crf


@MODELS.register_module()
class HCPN(BaseSegmentor):
    """Hierarchical co-attention propagation network (zero-shot VOS).

    Args:
        encoder: :class:`HCPNEncoder` config.
        decoder: :class:`HCPNDecoder` config (``in_channels`` default to the encoder's).
        contour_weight: lambda of the contour loss (0.5).
        flip_test: average with the horizontally flipped input at test time (official: on).
        crf: dense-CRF post-processing at test time (official: a separate script, on for the
            reported numbers); ``crf_cfg`` passes :func:`davis_crf` keyword arguments.
        data_preprocessor: mmseg ``SegDataPreProcessor`` config (9-channel mean / std).
    """

    def __init__(self, encoder: dict, decoder: dict, contour_weight: float = 0.5,
                 flip_test: bool = True, crf: bool = False, crf_cfg: dict | None = None,
                 data_preprocessor=None, train_cfg=None, test_cfg=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.encoder = MODELS.build(encoder)
        decoder = dict(decoder)
        decoder.setdefault('in_channels', tuple(self.encoder.out_channels))
        if tuple(decoder['in_channels']) != tuple(self.encoder.out_channels):
            raise ValueError(f'HCPN: decoder in_channels {tuple(decoder["in_channels"])} do not '
                             f'match the encoder outputs {tuple(self.encoder.out_channels)}; '
                             'leave decoder.in_channels unset')
        self.decoder = MODELS.build(decoder)
        self.contour_weight = contour_weight
        self.flip_test = flip_test
        self.crf = crf
        self.crf_cfg = dict(crf_cfg or {})
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.align_corners = False

    # --- forward ---------------------------------------------------------------------------
    @staticmethod
    def split_inputs(inputs: torch.Tensor):
        if inputs.ndim != 4 or inputs.shape[1] != 9:
            raise ValueError(f'HCPN expects B x 9 x H x W inputs (frame k, frame k+1, flow; '
                             f'RGB each), got {tuple(inputs.shape)}; load samples with the '
                             'frame-pair pipeline of cvshared.datasets.davis')
        return inputs[:, 0:3], inputs[:, 3:6], inputs[:, 6:9]

    def extract_feat(self, inputs: torch.Tensor):
        return self.encoder(*self.split_inputs(inputs))

    def _forward(self, inputs: torch.Tensor, data_samples=None):
        """``(m1, c1, m2, c2)`` probabilities at the input size."""
        feats1, feats2 = self.extract_feat(inputs)
        return self.decoder(feats1, feats2, inputs.shape[-2:])

    def test_outputs(self, inputs: torch.Tensor, pair_index=None):
        """``(mask, contour)`` (``B x 1 x H x W`` probabilities) of frame k (``pair_index``
        0, default) or frame k + 1 (1: ``m2`` / ``c2``), per sample (``pair_index`` a
        sequence of B values, or one int for all); the mask is flip-averaged when
        ``flip_test`` (the official test flips the masks only)."""
        index = _pair_indices(pair_index, len(inputs))
        m1, c1, m2, c2 = self._forward(inputs)
        if self.flip_test:
            flipped = self._forward(inputs.flip(-1))
            m1 = 0.5 * (m1 + flipped[0].flip(-1))
            m2 = 0.5 * (m2 + flipped[2].flip(-1))
        second = index.to(inputs.device).view(-1, 1, 1, 1).bool()
        return torch.where(second, m2, m1), torch.where(second, c2, c1)

    def encode_decode(self, inputs: torch.Tensor, batch_img_metas=None) -> torch.Tensor:
        """Foreground probability (``B x 1 x H x W``) of the frame each meta's ``pair_index``
        names (frame k when absent), flip-averaged when ``flip_test``."""
        pair_index = None if batch_img_metas is None else [
            m.get('pair_index', 0) for m in batch_img_metas]
        return self.test_outputs(inputs, pair_index)[0]

    # --- training --------------------------------------------------------------------------
    def loss_from_outputs(self, outputs, targets: dict) -> dict:
        """The paper's loss from ``(m1, c1, m2, c2)`` and ``targets`` (``mask1``, ``mask2``,
        ``ctr1``, ``ctr2`` in {0, 1} and the weights ``weight1``, ``weight2``; ``B x 1 x H x W``
        each)."""
        m1, c1, m2, c2 = outputs

        bce_w = weighted_bce
        loss_mask = 0.5 * (bce_w(m1, targets['mask1'], targets['weight1'])
                           + bce_w(m2, targets['mask2'], targets['weight2']))
        loss_ctr = 0.5 * (bce_w(c1, targets['ctr1'], targets['weight1'])
                          + bce_w(c2, targets['ctr2'], targets['weight2']))
        return dict(loss_mask=loss_mask, loss_contour=self.contour_weight * loss_ctr)

    def loss(self, inputs: torch.Tensor, data_samples) -> dict:
        targets = targets_from_samples(data_samples, inputs.shape[-2:], inputs.device)
        return self.loss_from_outputs(self._forward(inputs), targets)

    # --- test ------------------------------------------------------------------------------
    def predict(self, inputs: torch.Tensor, data_samples=None):
        if data_samples is None:
            data_samples = [SegDataSample(metainfo=dict(ori_shape=tuple(inputs.shape[2:])))
                            for _ in range(len(inputs))]
        pair_index = [s.metainfo.get('pair_index', 0) for s in data_samples]
        prob, contour = self.test_outputs(inputs, pair_index)
        # mmseg's postprocess_result undoes padding / flip / resize; two channels (1 - p, p)
        # make its argmax the 0.5 threshold and keep probabilities in seg_logits
        samples = self.postprocess_result(torch.cat([1 - prob, prob], dim=1), data_samples)
        # the contour map c1, resized the same way (pred_contour: probabilities)
        contours = self.postprocess_result(torch.cat([1 - contour, contour], dim=1),
                                           [s.clone() for s in samples])
        for sample, c in zip(samples, contours):
            sample.pred_contour = PixelData(data=c.seg_logits.data[1:2])
        if self.crf:
            for sample in samples:
                sample.pred_sem_seg = PixelData(data=torch.from_numpy(
                    self.crf_mask(sample)).to(prob.device)[None].long())
        return samples

    def crf_mask(self, sample) -> np.ndarray:
        """:func:`davis_crf` of the (resized) probability on the original frame it predicts
        (``img_path``; ``img2_path`` when ``pair_index`` is 1)."""
        import mmcv
        key = 'img2_path' if sample.metainfo.get('pair_index', 0) == 1 else 'img_path'
        path = sample.metainfo.get(key)
        if path is None:
            raise KeyError(f'HCPN crf=True needs {key} in the sample metainfo (the original '
                           'frame the CRF refines on)')
        image = mmcv.imread(path, channel_order='rgb')
        prob = sample.seg_logits.data[1].detach().cpu().numpy()
        if image.shape[:2] != prob.shape:
            raise ValueError(f'HCPN crf: frame {path} is {image.shape[:2]} but the prediction '
                             f'is {prob.shape}')
        return davis_crf(image, prob.clip(0, 1), **self.crf_cfg).astype(np.int64)


def _pair_indices(pair_index, batch: int) -> torch.Tensor:
    """``pair_index`` (None, an int or B values, each 0 or 1) as a ``B`` long tensor."""
    if pair_index is None:
        pair_index = 0
    if isinstance(pair_index, int):
        pair_index = [pair_index] * batch
    index = torch.as_tensor([int(i) for i in pair_index], dtype=torch.long)
    if len(index) != batch or not bool(((index == 0) | (index == 1)).all()):
        raise ValueError(f'HCPN: pair_index must be 0 (frame k: m1) or 1 (frame k+1: m2) for '
                         f'each of the {batch} samples, got {list(pair_index)}')
    return index


def _stack(samples, name: str, size, device) -> torch.Tensor:
    """``B x 1 x H x W`` float tensor of the per-sample field ``name`` (PixelData)."""
    out = []
    for sample in samples:
        if name not in sample:
            raise KeyError(f'HCPN training needs {name!r} in every data sample; pack samples '
                           'with the frame-pair pipeline (cvshared.datasets.davis)')
        data = sample.get(name).data.float()
        if data.shape[-2:] != tuple(size):
            raise ValueError(f'HCPN: {name} is {tuple(data.shape[-2:])} but the input is '
                             f'{tuple(size)}')
        out.append(data.reshape(1, *data.shape[-2:]))
    return torch.stack(out).to(device)


def targets_from_samples(samples, size, device) -> dict:
    """Masks, contours and hard-negative weights of both frames from the data samples packed
    by ``cvshared.datasets.davis.PackFramePairInputs``: ``gt_sem_seg`` / ``gt_sem_seg2``,
    ``gt_contour`` / ``gt_contour2`` and the MATNet map ``gt_hard_negative`` /
    ``gt_hard_negative2`` (computed before the resize, as officially; weight ``1 + n``), or,
    without it, the weight :func:`cvshared.vos.losses.hard_negative_weight` of ``gt_hed`` /
    ``gt_hed2`` (0..255) at the input size."""
    out = {}
    for suffix, index in (('', '1'), ('2', '2')):
        mask = _stack(samples, f'gt_sem_seg{suffix}', size, device)
        out[f'mask{index}'] = mask
        out[f'ctr{index}'] = _stack(samples, f'gt_contour{suffix}', size, device)
        if all(f'gt_hard_negative{suffix}' in s for s in samples):
            out[f'weight{index}'] = 1.0 + _stack(samples, f'gt_hard_negative{suffix}', size,
                                                 device)
        else:
            out[f'weight{index}'] = hard_negative_weight(
                mask, _stack(samples, f'gt_hed{suffix}', size, device))
    return out


__all__ = ['HCPN', 'targets_from_samples']
