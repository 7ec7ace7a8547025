"""The embedding model (official ``model.py::PoseModel_Resnet34``): an ImageNet ResNet-34
(mmpretrain's ``ResNet``, torchvision-compatible names), global average pooling, a linear
layer to the embedding (128-d), optionally L2-normalised (the official ``--is-norm``, used by
the triplet baselines). An mmengine ``BaseModel`` with ``tensor`` / ``loss`` / ``predict``.
"""
from __future__ import annotations

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from ..registry import MODELS
from .losses import l2_normalize


def _get(sample, name, *default):
    """A field of a data sample (``BaseDataElement`` or a plain dict)."""
    if isinstance(sample, dict):
        return sample.get(name, *default) if default else sample[name]
    return getattr(sample, name, *default)


@MODELS.register_module()
class LogratioRetriever(BaseModel):
    """``f(x) = fc(GAP(backbone(x)))`` (then ``x / ||x||`` when ``normalize``).

    Args:
        backbone: Config of the backbone (mmpretrain ``ResNet``, depth 34 in the paper); its
            last output is pooled.
        in_channels: Channels of that output (512 for ResNet-18/34).
        embed_dim: Embedding size (128 in the paper).
        normalize: L2-normalise the embedding (official ``--is-norm``; True for the triplet
            baselines, False for the log-ratio loss, which is scale invariant).
        loss: Config of the loss on one mined minibatch (``LogRatioLoss`` /
            ``DenseTripletLoss`` / ``BinaryTripletLoss``).

    In ``loss`` mode the data samples carry ``group`` (index of the mined minibatch in the
    loader batch) and ``gt_dist`` (label distance to the group's anchor; the anchor first);
    the loss is the mean over the groups.
    """

    def __init__(self, backbone: dict, in_channels: int = 512, embed_dim: int = 128,
                 normalize: bool = False, loss: dict | None = None, data_preprocessor=None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.fc = nn.Linear(in_channels, embed_dim)
        nn.init.kaiming_normal_(self.fc.weight, mode='fan_out')  # official _initialize_weights
        nn.init.zeros_(self.fc.bias)
        self.normalize = normalize
        self.loss_module = MODELS.build(loss if loss is not None else dict(type='LogRatioLoss'))

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        feats = self.backbone(inputs)
        feat = feats[-1] if isinstance(feats, (tuple, list)) else feats
        embed = self.fc(feat.mean(dim=(2, 3)))
        return l2_normalize(embed) if self.normalize else embed

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        embed = self.extract_feat(inputs)
        if mode == 'tensor':
            return embed
        if mode == 'loss':
            return dict(loss=self.mined_loss(embed, data_samples))
        if mode == 'predict':
            out = []
            for e, s in zip(embed.detach().cpu(), data_samples):
                out.append(dict(embedding=e, sample_idx=_get(s, 'sample_idx', None),
                                img_path=_get(s, 'img_path', None)))
            return out
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")

    def mined_loss(self, embed: torch.Tensor, data_samples) -> torch.Tensor:
        if data_samples is None or len(data_samples) != embed.shape[0]:
            raise ValueError('loss mode needs one data sample (group, gt_dist) per image: use '
                             'the DenseTripletDataset with dense_triplet_collate')
        groups = torch.as_tensor([int(_get(s, 'group')) for s in data_samples])
        gt = torch.as_tensor([float(_get(s, 'gt_dist')) for s in data_samples],
                             dtype=embed.dtype, device=embed.device)
        losses = []
        for g in torch.unique(groups, sorted=True):
            index = (groups == g).nonzero().flatten().to(embed.device)
            losses.append(self.loss_module(embed[index], gt[index[1:]]))
        return torch.stack(losses).mean()
