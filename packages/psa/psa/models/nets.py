"""PSA's two networks on :class:`~psa.models.backbone.ResNet38`, as mmengine ``BaseModel``\\ s.

* :class:`PsaCAMNet` (official ``network/resnet38_cls.py``): ``conv6`` -> Dropout2d(0.5) ->
  global average pooling -> 1x1 conv ``fc8`` (4096 -> 20, no bias, Xavier uniform) = logits;
  multilabel soft-margin loss against the image-level labels.  ``forward_cam`` =
  ``relu(conv(conv6, fc8))`` on the un-pooled features (paper Sec. 3.1, the CAM).
* :class:`PsaAffinityNet` (official ``network/resnet38_aff.py``): 1x1 convs (no bias, Kaiming
  normal) ``f8_3`` / ``f8_4`` / ``f8_5`` of ``conv4`` / ``conv5`` / ``conv6`` to 64 / 128 / 256
  channels + ELU, concatenated (448) -> 1x1 ``f9`` 448 -> 448 (Xavier uniform, gain 4) + ELU =
  the affinity feature ``f``; the affinity of every radius-5 pair is ``exp(-mean_c |f_i -
  f_j|)`` (paper Eq. 3, :func:`cvshared.ops.affinity.radius_feature_affinity`), the loss is
  paper Eq. 7-9 (:func:`psa.models.losses.affinity_loss`).

Inputs are raw RGB images (``uint8`` / 0..255 floats); the data preprocessor normalises them
with the ImageNet mean / std times 255, which is the official ``(img / 255 - mean) / std``.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.ops.affinity import radius_feature_affinity
from mmengine.model import BaseModel

from ..registry import MODELS
from .labels import extract_affinity_labels
from .losses import affinity_loss

IMAGENET_PREPROCESSOR = dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                             std=[58.395, 57.12, 57.375])


def _get(sample, name, *default):
    if isinstance(sample, dict):
        return sample.get(name, *default) if default else sample[name]
    return getattr(sample, name, *default)


def _stack(inputs):
    if isinstance(inputs, (list, tuple)):
        inputs = torch.stack(list(inputs))
    return inputs.float()


@MODELS.register_module()
class PsaCAMNet(BaseModel):
    """ResNet-38 CAM classifier (module docstring).

    Args:
        backbone: :class:`ResNet38` config.
        num_classes: Foreground classes (VOC: 20).
        dropout: Dropout2d before pooling (official 0.5).
    Modes: ``tensor`` -> logits ``(B, C)``; ``loss`` -> ``dict(loss=MLSM)`` with each data
    sample's ``img_labels`` (``float[C]``); ``predict`` -> per image ``dict(cam=(C, h, w),
    scores=sigmoid(logits), img_path)``.
    """

    def __init__(self, backbone: dict, num_classes: int = 20, dropout: float = 0.5,
                 data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor or IMAGENET_PREPROCESSOR,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.dropout7 = nn.Dropout2d(dropout)
        self.fc8 = nn.Conv2d(self.backbone.out_channels['conv6'], num_classes, 1, bias=False)
        nn.init.xavier_uniform_(self.fc8.weight)
        self.num_classes = num_classes

    def logits(self, x):
        feat = self.dropout7(self.backbone(x)['conv6'])
        return self.fc8(feat.mean(dim=(2, 3), keepdim=True)).flatten(1)

    def forward_cam(self, x):
        """``(B, 3, H, W)`` normalised -> ``relu(fc8 * conv6)``, ``(B, C, H/8, W/8)``."""
        return F.relu(F.conv2d(self.backbone(x)['conv6'], self.fc8.weight))

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        x = _stack(inputs)
        if mode == 'tensor':
            return self.logits(x)
        if mode == 'loss':
            target = torch.stack([torch.as_tensor(_get(s, 'img_labels'), dtype=torch.float32)
                                  for s in data_samples]).to(x.device)
            return dict(loss=F.multilabel_soft_margin_loss(self.logits(x), target))
        if mode == 'predict':
            feat = self.backbone(x)['conv6']
            cam = F.relu(F.conv2d(feat, self.fc8.weight))
            scores = torch.sigmoid(self.fc8(feat.mean((2, 3), keepdim=True)).flatten(1))
            samples = data_samples or [{}] * len(x)
            return [self._predict_one(c, s, d) for c, s, d in zip(cam, scores, samples)]
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")

    def _predict_one(self, cam, score, sample) -> dict:
        """With ``img_labels`` and ``gt_seg_map``: the CAM-only label of the image's classes
        (single scale, max-normalised, background score 0.2) as ``pred`` beside ``gt``."""
        from ..random_walk import cam_labels
        out = dict(cam=cam.detach().cpu(), scores=score.detach().cpu(),
                   img_path=_get(sample, 'img_path', None))
        gt = _get(sample, 'gt_seg_map', None)
        labels = _get(sample, 'img_labels', None)
        if gt is not None and labels is not None:
            gt = torch.as_tensor(gt)
            keys = torch.nonzero(torch.as_tensor(labels))[:, 0]
            up = F.interpolate(cam[None], tuple(gt.shape[-2:]), mode='bilinear',
                               align_corners=False)[0, keys].cpu()
            up = up / (up.amax((1, 2), keepdim=True) + 1e-5)
            out['label'] = cam_labels(keys, up, gt.shape[-2:], self.num_classes)
            out.update(pred=out['label'].numpy(), gt=gt.numpy())
        return out


@MODELS.register_module()
class PsaAffinityNet(BaseModel):
    """AffinityNet (module docstring).

    Args:
        backbone: :class:`ResNet38` config (initialised from ImageNet, not from the CAM net).
        head_channels: Channels of ``f8_3, f8_4, f8_5`` (official 64, 128, 256; ``f9`` keeps
            their sum).
        radius: Pair radius on the stride-8 grid (official 5).
        rw_cfg: Random-walk settings of ``predict`` (``alpha``, ``beta``, ``logt``, ``method``).
    Modes: ``tensor`` -> pair affinities ``(B, D, N)``; ``loss`` -> the three loss terms and
    their weighted sum from each data sample's ``aff_label`` (the stride-8 label map:
    class ids, 0 = confident background, 255 = unsure); ``predict`` -> the random walk's pseudo
    label of each image whose data sample carries its CAMs (``PsaLoadCAM``), else
    ``dict(aff=(D, N))``.
    """

    def __init__(self, backbone: dict, head_channels=(64, 128, 256), radius: int = 5,
                 rw_cfg: dict | None = None, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor or IMAGENET_PREPROCESSOR,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        ch = self.backbone.out_channels
        c3, c4, c5 = head_channels
        self.f8_3 = nn.Conv2d(ch['conv4'], c3, 1, bias=False)
        self.f8_4 = nn.Conv2d(ch['conv5'], c4, 1, bias=False)
        self.f8_5 = nn.Conv2d(ch['conv6'], c5, 1, bias=False)
        self.f9 = nn.Conv2d(c3 + c4 + c5, c3 + c4 + c5, 1, bias=False)
        for m in (self.f8_3, self.f8_4, self.f8_5):
            nn.init.kaiming_normal_(m.weight)
        nn.init.xavier_uniform_(self.f9.weight, gain=4)
        self.radius = radius
        # random walk at test time (infer_aff.py): alpha 16, beta 8, logt 8
        self.rw_cfg = dict(alpha=16, beta=8, logt=8, radius=radius, method='sparse')
        self.rw_cfg.update(rw_cfg or {})

    def features(self, x):
        """The affinity feature map ``f``, ``(B, 448, H/8, W/8)``."""
        d = self.backbone(x)
        f = torch.cat([F.elu(self.f8_3(d['conv4'])), F.elu(self.f8_4(d['conv5'])),
                       F.elu(self.f8_5(d['conv6']))], dim=1)
        return F.elu(self.f9(f))

    def affinity(self, x):
        """Pair affinities ``(B, D, N)`` for the radius pairs of the feature grid."""
        return radius_feature_affinity(self.features(x), self.radius)

    def _predict_one(self, x, sample) -> dict:
        """With ``cam_keys`` / ``cams`` (the make_cam stage): the random walk's pseudo label
        (``label``, ``cam_rw``), and ``pred`` / ``gt`` for the mIoU when ``gt_seg_map`` is there;
        otherwise the pair affinities."""
        from ..random_walk import random_walk_labels
        out = dict(img_path=_get(sample, 'img_path', None))
        cams = _get(sample, 'cams', None)
        if cams is None:
            out['aff'] = self.affinity(x[None])[0].detach().cpu()
            return out
        rw = random_walk_labels(self.affinity, x, _get(sample, 'cam_keys'), cams,
                                **self.rw_cfg)
        out.update(label=rw['label'], cam_rw=rw['cam_rw'][1:].numpy(), cam=rw['cam'][1:].numpy())
        gt = _get(sample, 'gt_seg_map', None)
        if gt is not None:
            out.update(pred=rw['label'].numpy(), gt=torch.as_tensor(gt).numpy())
        return out

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        x = _stack(inputs)
        if mode == 'tensor':
            return self.affinity(x)
        if mode == 'loss':
            aff = self.affinity(x)
            labels = [extract_affinity_labels(torch.as_tensor(_get(s, 'aff_label')), self.radius)
                      for s in data_samples]
            bg, fg, neg = (torch.stack([lab[k] for lab in labels]).to(aff.device)
                           for k in range(3))
            return affinity_loss(aff, bg, fg, neg)
        if mode == 'predict':
            samples = data_samples or [{}] * len(x)
            return [self._predict_one(xi, d) for xi, d in zip(x, samples)]
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")
