"""The BN-WVAD model on pre-extracted snippet features (an mmengine ``BaseModel`` in mmaction's
``MODELS``) and its data preprocessor (crops folded into the batch)."""
from __future__ import annotations

import torch
from mmengine.model import BaseDataPreprocessor, BaseModel

from ..registry import MODELS
from .head import dfm, mpp_loss, normal_loss, select_samples


def _get(sample, name, *default):
    if isinstance(sample, dict):
        return sample.get(name, *default) if default else sample[name]
    return getattr(sample, name, *default)


def _crop_mean(y: torch.Tensor, b: int, n: int) -> torch.Tensor:
    """``(B * N, ...)`` -> the mean over the ``N`` crops, ``(B, ...)``; with one crop (the
    official training batches) the tensor itself, which is what the mean of one value is
    (exactly), without the copy and its backward."""
    if n == 1:
        return y
    return y.view(b, n, *y.shape[1:]).mean(1)


@MODELS.register_module()
class BnwvadDataPreprocessor(BaseDataPreprocessor):
    """Stacks the per-sample ``(N_crops, T, D)`` features into ``(B, N_crops, T, D)`` (one
    tensor when every sample has the same shape, as in training after the 200-segment
    resampling; a list of ``(1, N, T_i, D)`` tensors otherwise, test videos of different
    lengths). The model folds the crops into the batch."""

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = [torch.as_tensor(x).float() for x in inputs]
            for x in inputs:
                if x.dim() != 3:
                    raise ValueError(f'a BN-WVAD sample is (N_crops, T, D) features, got shape '
                                     f'{tuple(x.shape)}')
            if len({tuple(x.shape) for x in inputs}) == 1:
                inputs = torch.stack(inputs)
            else:
                inputs = [x[None] for x in inputs]
        return dict(inputs=inputs, data_samples=data.get('data_samples'))


@MODELS.register_module()
class BNWVAD(BaseModel):
    """BatchNorm-based weakly supervised video anomaly detection.

    ``loss`` mode needs a batch whose first half is normal videos and second half abnormal
    ones (``BnwvadNormalAbnormalSampler``); ``predict`` gives per-video snippet scores
    ``(d1 + d2) * s`` averaged over crops.

    Args:
        encoder: ``BnwvadTemporalEncoder`` config. head: ``BnwvadNormalHead`` config.
        sample_ratio, batch_ratio: selection ratios (0.2, 0.4).
        mpp_weights: MPP weights of the two BN layers (5, 20). margin: 1.
        normal_weight, mpp_weight: loss weights (1, 1).
        crop_fusion: ``'score'`` (default, the official ``test.py``: each crop is scored on its
            own, then the crop scores are averaged) or ``'parts'`` (the official 4-D
            ``WSAD.forward``: ``(mean d1 + mean d2) * mean s`` over crops).
    """

    def __init__(self, encoder: dict, head: dict, sample_ratio: float = 0.2,
                 batch_ratio: float = 0.4, mpp_weights=(5.0, 20.0), margin: float = 1.0,
                 normal_weight: float = 1.0, mpp_weight: float = 1.0,
                 crop_fusion: str = 'score', data_preprocessor=None, init_cfg=None):
        if crop_fusion not in ('score', 'parts'):
            raise ValueError(f"crop_fusion must be 'score' or 'parts', got {crop_fusion!r}")
        if data_preprocessor is None:
            data_preprocessor = BnwvadDataPreprocessor()
        elif isinstance(data_preprocessor, dict):  # built in our scope, not mmengine's
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.encoder = MODELS.build(encoder)
        self.head = MODELS.build(head)
        self.sample_ratio, self.batch_ratio = sample_ratio, batch_ratio
        self.mpp_weights, self.margin = tuple(mpp_weights), margin
        self.normal_weight, self.mpp_weight = normal_weight, mpp_weight
        self.crop_fusion = crop_fusion

    # -- pieces ---------------------------------------------------------------------------
    def features(self, x: torch.Tensor):
        """``(B, N, T, D)`` -> pre-BN ``[h1, h2]`` ``(B*N, C_l, T)``, scores ``(B*N, T)`` and
        DFMs ``[d1, d2]`` ``(B*N, T)`` (read from the BN running buffers **after** the head
        ran, so in training they include the current batch, as officially)."""
        if x.dim() != 4:
            raise ValueError(f'expected (B, N_crops, T, D) features, got {tuple(x.shape)}')
        b, n, t, d = x.shape
        hs, s = self.head(self.encoder(x.reshape(b * n, t, d)).transpose(1, 2))
        dists = [dfm(h, bn.running_mean, bn.running_var) for h, bn in zip(hs, self.head.bns)]
        return hs, s, dists

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """Inference snippet scores ``(B, T)`` of ``(B, N, T, D)`` features."""
        b, n = x.shape[:2]
        _, s, dists = self.features(x)
        if self.crop_fusion == 'score':
            return _crop_mean((dists[0] + dists[1]) * s, b, n)
        mean = [_crop_mean(y, b, n) for y in (s, *dists)]
        return (mean[1] + mean[2]) * mean[0]

    def loss_parts(self, x: torch.Tensor) -> dict:
        """Training forward on a normal-first batch: the losses and what they were made of."""
        b, n = x.shape[:2]
        if b % 2:
            raise ValueError(f'BN-WVAD trains on normal + abnormal halves; batch of {b} is odd')
        hs, s, dists = self.features(x)
        out = dict(loss_normal=self.normal_weight * normal_loss(_crop_mean(s, b, n)[:b // 2]))
        mpp, picks = 0., []
        for h, dist, bn, w in zip(hs, dists, self.head.bns, self.mpp_weights):
            normal, abnormal, mask = select_samples(_crop_mean(h, b, n), _crop_mean(dist, b, n),
                                                    self.sample_ratio, self.batch_ratio)
            mpp = mpp + w * mpp_loss(bn.running_mean, bn.running_var, normal, abnormal,
                                     self.margin)
            picks.append(dict(normal=normal, abnormal=abnormal, mask=mask))
        out['loss_mpp'] = self.mpp_weight * mpp
        return dict(losses=out, selections=picks, scores=s, dists=dists, feats=hs)

    # -- BaseModel ------------------------------------------------------------------------
    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            if data_samples is not None:
                labels = [int(_get(s, 'gt_label')) for s in data_samples]
                half = len(labels) // 2
                if labels != [0] * half + [1] * (len(labels) - half):
                    raise ValueError(
                        f'BN-WVAD needs the normal videos first and the abnormal ones second in '
                        f'each training batch (got labels {labels}); use '
                        "sampler=dict(type='BnwvadNormalAbnormalSampler')")
            return self.loss_parts(inputs)['losses']
        if isinstance(inputs, (list, tuple)):
            scores = [self.score(x)[0] for x in inputs]
        else:
            scores = list(self.score(inputs))
        if mode == 'tensor':
            return torch.stack(scores) if not isinstance(inputs, (list, tuple)) else scores
        if mode == 'predict':
            out = []
            for sc, sample in zip(scores, data_samples):
                res = dict(pred_score=sc.detach().cpu())
                for key in ('gt_frame_label', 'gt_label', 'video_name', 'feature_paths'):
                    value = _get(sample, key, None)
                    if value is not None:
                        res[key] = value
                out.append(res)
            return out
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")
