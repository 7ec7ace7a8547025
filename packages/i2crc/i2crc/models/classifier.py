"""I2CRC's classification network (paper Sec. III-A, Eq. 1-6; official ``models/vgg.py::VGG``):
the dilated VGG-16 :class:`~i2crc.models.backbone.I2crcVGG16D1`, then ``extra_convs`` =
3 x [3x3 conv 512 -> 512 + ReLU] and a 1x1 conv 512 -> 20 (with bias), whose 20-channel output is
the CAM (the official ``map1``); logits = its global average. Training loss::

    L = MLSM(logits, y) + 0.01 L_fg + 0.025 L_bg + 0.1 L_dist

(``loss_weights``; official ``scripts/train.py``), the relation terms of
:mod:`i2crc.models.relation` on the single-label images of the batch with their saliency maps.

Parameter groups (official ``get_parameter_groups`` + SGD): backbone weights lr x1, backbone
biases x2, ``extra_convs`` weights x10, ``extra_convs`` biases x20. :data:`PARAMWISE_CFG` is the
mmengine ``paramwise_cfg`` that gives exactly these (``custom_keys`` match by substring, the
longest key first: ``extra_convs.<i>.bias`` before ``extra_convs`` before ``bias``).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from ..registry import MODELS
from .backbone import init_conv_
from .relation import relation_losses

IMAGENET_PREPROCESSOR = dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                             std=[58.395, 57.12, 57.375], bgr_to_rgb=True)
LOSS_WEIGHTS = dict(fg=0.01, bg=0.025, dist=0.1)
# extra_convs indices of the 4 convs (ReLUs between them)
EXTRA_CONV_INDICES = (0, 2, 4, 6)


def paramwise_cfg(num_extra: int = 3) -> dict:
    """The official four lr groups as mmengine ``paramwise_cfg`` (module docstring)."""
    keys = {f'extra_convs.{2 * i}.bias': dict(lr_mult=20.0) for i in range(num_extra + 1)}
    keys['extra_convs'] = dict(lr_mult=10.0)
    keys['bias'] = dict(lr_mult=2.0)
    return dict(custom_keys=keys)


PARAMWISE_CFG = paramwise_cfg()


def _get(sample, name, *default):
    if isinstance(sample, dict):
        return sample.get(name, *default) if default else sample[name]
    return getattr(sample, name, *default)


def _stack(inputs):
    if isinstance(inputs, (list, tuple)):
        inputs = torch.stack(list(inputs))
    return inputs.float()


@MODELS.register_module()
class I2crcCAMNet(BaseModel):
    """The CAM classifier with the saliency-guided relation losses (module docstring).

    Args:
        backbone: :class:`I2crcVGG16D1` config.
        num_classes: Foreground classes (VOC 20).
        extra_channels: Width of the three extra 3x3 convs (official 512).
        num_extra: Number of extra 3x3 convs (official 3).
        loss_weights: ``dict(fg=, bg=, dist=)`` (official 0.01, 0.025, 0.1); all 0 (or
            ``relation=False``) is the plain-CAM baseline (MLSM only).
        relation: Add the relation losses (needs each sample's ``saliency``).
    Modes: ``tensor`` -> logits ``(B, C)``; ``loss`` -> ``loss_cls`` (MLSM) and the weighted
    ``loss_fg`` / ``loss_bg`` / ``loss_dist`` from each data sample's ``img_labels``
    (``float[C]``) and ``saliency`` (``H x W`` in [0, 1], the input's size); ``predict`` -> per
    image ``dict(cam=(C, h, w) raw CAM logits, scores=sigmoid(logits), img_path)``.
    """

    def __init__(self, backbone: dict, num_classes: int = 20, extra_channels: int = 512,
                 num_extra: int = 3, loss_weights: dict | None = None, relation: bool = True,
                 data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor or IMAGENET_PREPROCESSOR,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        layers, c_in = [], self.backbone.out_channels
        for _ in range(num_extra):
            layers += [nn.Conv2d(c_in, extra_channels, 3, padding=1), nn.ReLU(inplace=True)]
            c_in = extra_channels
        layers.append(nn.Conv2d(c_in, num_classes, 1))
        self.extra_convs = nn.Sequential(*layers)
        init_conv_(self.extra_convs)
        self.num_classes = num_classes
        self.loss_weights = dict(LOSS_WEIGHTS)
        self.loss_weights.update(loss_weights or {})
        unknown = set(self.loss_weights) - set(LOSS_WEIGHTS)
        if unknown:
            raise ValueError(f'I2crcCAMNet: unknown loss_weights {sorted(unknown)}; expected '
                             f'{sorted(LOSS_WEIGHTS)}')
        self.relation = relation

    def cam(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, 3, H, W)`` normalised -> CAM logits ``(B, C, H/8, W/8)`` (before ReLU)."""
        return self.extra_convs(self.backbone(x))

    def forward_cam(self, x: torch.Tensor) -> torch.Tensor:
        """ReLU of the CAM (``cvshared.wsss.cam.multiscale_cam``'s ``cam_fn``)."""
        return F.relu(self.cam(x))

    def loss_terms(self, x: torch.Tensor, labels: torch.Tensor,
                   saliency: torch.Tensor | None) -> dict:
        cam = self.cam(x)
        logits = cam.mean((2, 3))
        out = dict(loss_cls=F.multilabel_soft_margin_loss(logits, labels))
        if self.relation:
            if saliency is None:
                raise KeyError('I2crcCAMNet(relation=True) needs a saliency map per sample '
                               '(the I2crcLoadSaliency transform; relation=False trains the '
                               'plain CAM baseline)')
            rel = relation_losses(cam, saliency, labels)
            for k in ('fg', 'bg', 'dist'):
                out[f'loss_{k}'] = self.loss_weights[k] * rel[k]
        return out

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        x = _stack(inputs)
        if mode == 'tensor':
            return self.cam(x).mean((2, 3))
        if mode == 'loss':
            labels = torch.stack([torch.as_tensor(_get(s, 'img_labels'), dtype=torch.float32)
                                  for s in data_samples]).to(x.device)
            sal = [_get(s, 'saliency', None) for s in data_samples]
            saliency = (torch.stack([torch.as_tensor(v, dtype=torch.float32) for v in sal])
                        .to(x.device) if all(v is not None for v in sal) else None)
            return self.loss_terms(x, labels, saliency)
        if mode == 'predict':
            cam = self.cam(x)
            scores = torch.sigmoid(cam.mean((2, 3)))
            samples = data_samples or [{}] * len(x)
            return [self._predict_one(c, p, s) for c, p, s in zip(cam, scores, samples)]
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")

    def _predict_one(self, cam, score, sample) -> dict:
        """``cam`` (raw), ``scores``, ``img_path``, ``keys`` (the image's classes, else those
        scoring > 0.5 when it has none) and their ``maps`` (:func:`i2crc.labels.cam_maps`,
        the image size);
        with ``saliency`` the sample's map; with ``img_labels`` and ``gt_seg_map`` the plain-CAM
        label (background threshold 0.5) as ``pred`` beside ``gt``, so that the test loop's
        ``PseudoLabelIoUMetric`` scores the single-scale CAMs."""
        from ..labels import cam_label, cam_maps
        cam = cam.detach().cpu()
        out = dict(cam=cam, scores=score.detach().cpu(), img_path=_get(sample, 'img_path', None))
        labels = _get(sample, 'img_labels', None)
        known = labels is not None and float(torch.as_tensor(labels).sum()) > 0
        keys = (torch.nonzero(torch.as_tensor(labels) > 0)[:, 0] if known
                else torch.nonzero(out['scores'] > 0.5)[:, 0])
        out['keys'] = keys.tolist()
        gt = _get(sample, 'gt_seg_map', None)
        size = _get(sample, 'ori_shape', None)
        if gt is not None:
            size = tuple(torch.as_tensor(gt).shape[-2:])
        if size is not None:
            out['maps'] = cam_maps(cam.numpy(), np.asarray(out['keys'], np.int64), size)
        sal = _get(sample, 'saliency', None)
        if sal is not None:
            out['saliency'] = np.asarray(torch.as_tensor(sal).numpy())
        if gt is not None and known:
            gt = torch.as_tensor(gt).numpy()
            out.update(pred=cam_label(out['maps'], gt.shape[-2:], 0.5), gt=gt)
        return out
