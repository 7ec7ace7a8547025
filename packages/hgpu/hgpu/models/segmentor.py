"""HGPU's test protocol on mmseg: the flip test and the dense CRF of the reported numbers.

:class:`HGPUSegmentor` is mmseg's ``EncoderDecoder`` (encoder :class:`HGPUEncoder`, head
:class:`HGPUHead`, unchanged training) with two switches in ``test_cfg``:

* ``flip`` (default False): the official ``use_flip``: the mask probability of the frame a
  sample is evaluated on is the mean of the plain pass and the horizontally flipped pass of the
  whole 9-channel input (both frames and the flow image flipped, as ``test_HGPU.py`` flips
  ``im1``, ``im2`` and ``flow``), flipped back, at the network resolution;
* ``crf`` (default False): the official ``apply_densecrf_davis.py``: after the resize to the
  frame size, the mask is :func:`hgpu.crf.davis_crf` of that probability on the original RGB
  frame (the evaluated frame: ``img2_path`` for the last frame of a video, ``pair_index`` 1)
  instead of the 0.5 threshold.

The reported numbers use both (``configs/hgpu/hgpu_r101_flip-crf_*.py``). After
``postprocess_result`` a one-channel ``seg_logits`` holds the PROBABILITY (mmseg applies the
sigmoid there), so ``pred_sem_seg`` and ``seg_logits`` stay consistent: ``seg_logits`` is the
(flip-averaged) probability, ``pred_sem_seg`` its threshold or its CRF.

:class:`HGPUTTAModel` is the ``tools/test.py --tta`` wrapper (the config's ``tta_pipeline``:
plain and flipped views): it averages the views' probabilities (mmseg's ``SegTTAModel``
applies a second sigmoid to the one-channel ``seg_logits``, which are already probabilities,
and then predicts foreground everywhere), then thresholds or, with the wrapped model's
``test_cfg.crf``, runs the CRF on the average, as the official script does.
"""
from __future__ import annotations

import numpy as np
import torch
from mmengine.model import BaseTTAModel
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder

from ..registry import MODELS


def eval_frame_path(meta: dict) -> str:
    """The frame a frame-pair sample is evaluated on: frame k (``img_path``) or, for
    ``pair_index`` 1 (the last frame of a video), frame k + 1 (``img2_path``)."""
    key = 'img2_path' if int(meta.get('pair_index', 0)) == 1 else 'img_path'
    path = meta.get(key)
    if path is None:
        raise KeyError(f'HGPU crf=True needs {key} in the sample metainfo (the original frame '
                       'the CRF refines on); pack the samples with PackFramePairInputs')
    return path


def crf_mask(meta: dict, prob: torch.Tensor) -> torch.Tensor:
    """``1 x H x W`` {0, 1} mask of :func:`hgpu.crf.davis_crf` of ``prob`` (``1 x H x W``, the
    frame size) on the evaluated frame of ``meta``."""
    import mmcv

    from ..crf import davis_crf
    path = eval_frame_path(meta)
    image = mmcv.imread(path, channel_order='rgb')
    p = prob.detach().float().cpu().numpy()[0]
    if image.shape[:2] != p.shape:
        raise ValueError(f'HGPU crf: frame {path} is {image.shape[1]} x {image.shape[0]} but '
                         f'the prediction is {p.shape[1]} x {p.shape[0]} (W x H); keep ori_shape '
                         'in the meta keys so that predictions come back at the frame size')
    mask = davis_crf(image, np.clip(p, 0.0, 1.0))
    return torch.from_numpy(mask.astype(np.float32))[None].to(prob.device)


@MODELS.register_module()
class HGPUSegmentor(EncoderDecoder):
    """``EncoderDecoder`` with the official flip test and dense CRF (``test_cfg.flip`` /
    ``test_cfg.crf``, module docstring)."""

    @property
    def flip(self) -> bool:
        return bool((self.test_cfg or {}).get('flip', False))

    @property
    def crf(self) -> bool:
        return bool((self.test_cfg or {}).get('crf', False))

    def inference(self, inputs: torch.Tensor, batch_img_metas: list[dict]) -> torch.Tensor:
        """Logit of the evaluated frame's mask at the input size, flip-averaged in probability
        when ``test_cfg.flip``."""
        logits = super().inference(inputs, batch_img_metas)
        if not self.flip:
            return logits
        flipped = super().inference(inputs.flip(-1), batch_img_metas).flip(-1)
        from .head import PROB_EPS
        prob = 0.5 * (torch.sigmoid(logits) + torch.sigmoid(flipped))
        return torch.logit(prob.clamp(PROB_EPS, 1 - PROB_EPS))

    def postprocess_result(self, seg_logits: torch.Tensor, data_samples=None):
        samples = super().postprocess_result(seg_logits, data_samples)
        if self.crf and not getattr(self, '_defer_crf', False):
            if data_samples is None:
                raise ValueError('HGPU crf=True needs the data samples (the frame paths)')
            for sample in samples:
                sample.pred_sem_seg = PixelData(
                    data=crf_mask(sample.metainfo, sample.seg_logits.data))
        return samples


@MODELS.register_module()
class HGPUTTAModel(BaseTTAModel):
    """Flip TTA of ``tools/test.py --tta`` (module docstring): the mean probability of the
    views, then the 0.5 threshold or the CRF (``module.test_cfg.crf``)."""

    def test_step(self, data):
        # the CRF runs once, on the merged probability, not on every view
        self.module._defer_crf = True
        try:
            return super().test_step(data)
        finally:
            self.module._defer_crf = False

    def merge_preds(self, data_samples_list):
        crf = bool((getattr(self.module, 'test_cfg', None) or {}).get('crf', False))
        threshold = self.module.decode_head.threshold
        merged = []
        for views in data_samples_list:
            base = views[0]
            # one channel: seg_logits are the probabilities already (mmseg's postprocess)
            prob = torch.stack([v.seg_logits.data for v in views]).mean(0)
            base.seg_logits = PixelData(data=prob)
            pred = crf_mask(base.metainfo, prob) if crf else (prob > threshold).to(prob)
            base.pred_sem_seg = PixelData(data=pred)
            merged.append(base)
        return merged
