"""IRN's CAM network (``net/resnet50_cam.py::Net`` / ``CAM``), an mmengine ``BaseModel``.

ResNet-50 (:class:`~irn.models.backbone.IrnResNet`, output stride 16, BN in eval, conv1/bn1
frozen, ``layer2`` output detached) -> global average pooling -> 1x1 conv ``C -> num_classes``
without bias; multi-label soft margin loss on the image-level labels.  ``mode='tensor'`` gives
the class activation maps ``ReLU(conv(features))`` before pooling (the official ``CAM.forward``
without its flip fusion, which :func:`cvshared.wsss.cam.multiscale_cam` does).

Parameter groups (official ``trainable_parameters``): the backbone (lr 0.1) and the classifier
(lr 1.0): in a config ``paramwise_cfg=dict(custom_keys={'classifier': dict(lr_mult=10)})``.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.wsss.cam import cam_label
from mmengine.model import BaseModel

from ..registry import MODELS


def _get(sample, name, *default):
    if isinstance(sample, dict):
        return sample.get(name, *default) if default else sample[name]
    return getattr(sample, name, *default)


def image_labels(data_samples, num_classes: int, device=None) -> torch.Tensor:
    """``(B, num_classes)`` float multi-hot image labels from the samples' ``label`` fields.

    A sample's ``label`` is the multi-hot vector of the foreground classes (VOC: 20 entries,
    background excluded).  Raises ``ValueError`` naming the sample when one is missing or has
    the wrong length.
    """
    out = []
    for i, s in enumerate(data_samples):
        lab = _get(s, 'label', None)
        if lab is None:
            raise ValueError(f'sample {i} ({_get(s, "img_path", "?")}) has no image-level '
                             f'label: every training image needs its class entry')
        lab = torch.as_tensor(lab, dtype=torch.float32).reshape(-1)
        if lab.numel() != num_classes:
            raise ValueError(f'sample {i}: image label has {lab.numel()} entries, expected '
                             f'{num_classes}')
        out.append(lab)
    return torch.stack(out).to(device)


@MODELS.register_module()
class IrnCAMNet(BaseModel):
    """Args:
        backbone: config of :class:`IrnResNet` (default: IRN's ResNet-50, ``detach=(2,)``,
            ``frozen_stages=0``).
        num_classes: foreground classes (VOC: 20).
    """

    def __init__(self, backbone: dict | None = None, num_classes: int = 20,
                 data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        cfg = dict(type='IrnResNet', depth=50, strides=(1, 2, 2, 1), norm_eval=True,
                   frozen_stages=0, detach=(2,))
        cfg.update(backbone or {})
        self.backbone = MODELS.build(cfg)
        self.num_classes = num_classes
        self.classifier = nn.Conv2d(self.backbone.out_channels[-1], num_classes, 1, bias=False)

    def features(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.backbone(inputs)[-1]

    def cam(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(B, num_classes, h, w)`` = ``ReLU(conv(features))`` (official ``CAM``)."""
        return F.relu(F.conv2d(self.features(inputs), self.classifier.weight))

    def logits(self, inputs: torch.Tensor) -> torch.Tensor:
        x = self.features(inputs).mean(dim=(2, 3), keepdim=True)
        return self.classifier(x).flatten(1)

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples, bg_thres: float = 0.15) -> list:
        """Per image: ``scores`` (sigmoid of the logits) and, for a sample with ``label``,
        the single-scale CAMs of its classes (bilinear to the input size, each divided by its
        maximum + 1e-5) as ``cams`` / ``keys`` and the CAM-only label map ``pred`` (argmax
        behind the constant background ``bg_thres``, ``step/eval_cam.py``'s 0.15), with
        ``gt`` when the sample has ``gt_seg_map`` (for ``PseudoLabelIoUMetric``).  The
        pipeline's CAMs are multi-scale + flip (:func:`irn.pipeline.make_cam`)."""
        scores = torch.sigmoid(self.logits(inputs))
        cams = F.interpolate(self.cam(inputs), inputs.shape[-2:], mode='bilinear',
                             align_corners=False)
        out = []
        for p, cam, s in zip(scores, cams, data_samples):
            res = dict(scores=p.detach().cpu(), img_path=_get(s, 'img_path', None))
            lab = _get(s, 'label', None)
            if lab is not None:
                keys = torch.nonzero(torch.as_tensor(lab).reshape(-1)).reshape(-1)
                c = cam[keys.to(cam.device)]
                c = c / (c.flatten(1).max(1)[0].view(-1, 1, 1) + 1e-5)
                h, w = _get(s, 'ori_shape', cam.shape[-2:])
                c = c[:, :h, :w].cpu()
                res.update(label=lab, keys=keys.cpu(), cams=c,
                           pred=cam_label(keys.cpu(), c, bg_thres))
            gt = _get(s, 'gt_seg_map', None)
            if gt is not None:
                res['gt'] = torch.as_tensor(gt)
            out.append(res)
        return out

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        if mode == 'tensor':
            return self.cam(inputs)
        if mode == 'loss':
            logits = self.logits(inputs)
            target = image_labels(data_samples, self.num_classes, logits.device)
            return dict(loss=F.multilabel_soft_margin_loss(logits, target))
        if mode == 'predict':
            return self.predict(inputs, data_samples or [{}] * len(inputs))
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")
