"""The CAM network: :class:`~adcam.models.backbone.AdcamConformer` with TransCAM's two heads,
an mmengine ``BaseModel`` registered in mmseg (as psa's / irn's CAM nets).

* CNN branch: ``conv_cls_head`` = 3x3 conv (padding 1) of the last CNN map to
  ``num_classes + 1`` maps (21 on VOC: TransCAM's ``conv_cls_head``, channel 0 unused, the
  CAM is channels ``1..20``); logits = global average pooling of those maps.
* Transformer branch: ``trans_cls_head`` = linear layer of the final class token to
  ``num_classes + 1`` logits.
* Loss (TransCAM ``train_TransCAM.py``): multilabel soft-margin loss of
  ``conv_logits + trans_logits`` (channels ``1..``) against the image-level labels.
* ``forward_cam(x, method)``: the foreground CAMs ``(B, num_classes, h, w)`` of the CNN branch
  (``'cam'``), coupled with the aggregated attention (:mod:`adcam.models.coupling`,
  ``'transcam'`` or ``'adcam'`` with ``coupling_cfg``).

Inputs are raw RGB (0..255); the data preprocessor normalises with the ImageNet mean / std
(TransCAM's ``imutils.Normalize``).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from ..registry import MODELS
from .coupling import aggregate_attention, couple

IMAGENET_PREPROCESSOR = dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                             std=[58.395, 57.12, 57.375])
# AD-CAM's coupling settings (README, "decided by us")
ADCAM_COUPLING = dict(refine=True, similarity='jaccard', steps=1, normalize=True, mode='gather',
                      symmetric=False)


def _get(sample, name, *default):
    if isinstance(sample, dict):
        return sample.get(name, *default) if default else sample[name]
    return getattr(sample, name, *default)


def _stack(inputs):
    if isinstance(inputs, (list, tuple)):
        inputs = torch.stack(list(inputs))
    return inputs.float()


@MODELS.register_module()
class AdcamCAMNet(BaseModel):
    """Conformer CAM net (module docstring).

    Args:
        backbone: :class:`AdcamConformer` config.
        num_classes: Foreground classes (VOC 20); the heads have ``num_classes + 1`` outputs.
        method: Default coupling of ``forward_cam`` / ``predict``.
        coupling_cfg: Keyword arguments of :func:`adcam.models.coupling.couple` for
            ``'adcam'`` (default :data:`ADCAM_COUPLING`).
        layers: Transformer blocks whose attention is aggregated (default all, TransCAM).
        bg_threshold: Background score of the single-scale ``predict`` labels.
    Modes: ``tensor`` -> logits ``(B, num_classes)``; ``loss`` -> ``dict(loss=MLSM)`` with each
    data sample's ``img_labels``; ``predict`` -> per image ``dict(cam, scores, img_path)`` and,
    with ``gt_seg_map`` + ``img_labels``, the pseudo label ``pred`` beside ``gt``.
    """

    def __init__(self, backbone: dict, num_classes: int = 20, method: str = 'adcam',
                 coupling_cfg: dict | None = None, layers=None, bg_threshold: float = 0.4,
                 data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor or IMAGENET_PREPROCESSOR,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.conv_cls_head = nn.Conv2d(self.backbone.out_channels, num_classes + 1, 3,
                                       padding=1)
        self.trans_cls_head = nn.Linear(self.backbone.embed_dims, num_classes + 1)
        self.num_classes = num_classes
        self.method = method
        self.coupling_cfg = dict(ADCAM_COUPLING, **(coupling_cfg or {}))
        self.layers = None if layers is None else list(layers)
        self.bg_threshold = bg_threshold

    def features(self, x):
        """``dict(maps=(B, C + 1, h, w) conv head maps, logits=(B, C) conv + trans logits of
        the foreground classes, attn=(B, N, N) aggregated attention)``."""
        out = self.backbone(x)
        maps = self.conv_cls_head(out['conv'])
        logits = maps.mean(dim=(2, 3)) + self.trans_cls_head(out['tokens'][:, 0])
        h, w = maps.shape[-2:]
        if out['tokens'].shape[1] - 1 != h * w:
            raise RuntimeError(f'AdcamCAMNet: {out["tokens"].shape[1] - 1} patch tokens but a '
                               f'{h} x {w} CAM grid (last_fusion_stride must be 1)')
        return dict(maps=maps, logits=logits[:, 1:],
                    attn=aggregate_attention(out['attns'], self.layers))

    def forward_cam(self, x, method: str | None = None, **coupling):
        """``(B, 3, H, W)`` normalised -> foreground CAMs ``(B, C, H/16, W/16)`` of ``method``
        (default ``self.method``), before ReLU (``multiscale_cam`` applies it)."""
        f = self.features(x)
        method = method or self.method
        cfg = dict(self.coupling_cfg, **coupling) if method == 'adcam' else {}
        fg = f['maps'][:, 1:]
        if method == 'adcam':
            # the diffusion moves activation mass: a negative CAM value would be moved as
            # negative mass, so the CAM is ReLU'd first (decided by us; TransCAM couples the
            # raw maps and clips the sum over scales)
            fg = F.relu(fg)
        return couple(fg, f['attn'], method, **cfg)

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        x = _stack(inputs)
        if mode == 'tensor':
            return self.features(x)['logits']
        if mode == 'loss':
            target = torch.stack([torch.as_tensor(_get(s, 'img_labels'), dtype=torch.float32)
                                  for s in data_samples]).to(x.device)
            return dict(loss=F.multilabel_soft_margin_loss(self.features(x)['logits'], target))
        if mode == 'predict':
            samples = data_samples or [{}] * len(x)
            return [self._predict_one(xi[None], s) for xi, s in zip(x, samples)]
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")

    @torch.no_grad()
    def _predict_one(self, x, sample) -> dict:
        """``cam`` (``self.method``'s, token grid), ``scores``; with ``img_labels`` the image's
        class indices ``keys`` and, per method, the CAMs at the image size (``cams``, max-
        normalised, single scale) and their pseudo labels at ``bg_threshold`` (``labels``);
        with ``gt_seg_map`` also ``pred`` (``self.method``'s label) and ``gt``."""
        from cvshared.wsss.cam import cam_label
        f = self.features(x)
        out = dict(cam=F.relu(self.forward_cam(x))[0].cpu(),
                   scores=torch.sigmoid(f['logits'][0]).cpu(),
                   img_path=_get(sample, 'img_path', None))
        labels = _get(sample, 'img_labels', None)
        if labels is None:
            return out
        keys = torch.nonzero(torch.as_tensor(labels))[:, 0]
        gt = _get(sample, 'gt_seg_map', None)
        size = tuple(torch.as_tensor(gt).squeeze().shape[-2:]) if gt is not None \
            else tuple(x.shape[-2:])
        out.update(keys=keys, cams={}, labels={})
        for m in ('cam', 'transcam', 'adcam'):
            cam = F.relu(self.forward_cam(x, m))[:, keys.to(x.device)]
            up = F.interpolate(cam, size, mode='bilinear', align_corners=False)[0].cpu()
            up = up / (up.amax((1, 2), keepdim=True) + 1e-5)
            out['cams'][m] = up
            out['labels'][m] = cam_label(keys, up, self.bg_threshold).numpy()
        if gt is not None:
            out.update(pred=out['labels'][self.method],
                       gt=torch.as_tensor(gt).squeeze().numpy())
        return out
