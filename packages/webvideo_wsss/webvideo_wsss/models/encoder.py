"""The encoder (paper Sec. 3.1): image classification with discriminative localisation.

VGG-16 conv body (:class:`~webvideo_wsss.models.backbone.WebVideoVGG`, stride 16) -> global
average pooling -> a linear classifier ``W`` (a 1 x 1 convolution without bias), trained on
the image-level labels with the multi-label logistic loss (E5)

    L_cls = -1/C sum_l [ y_l log sigma(s_l) + (1 - y_l) log(1 - sigma(s_l)) ],
    s_l = w_l^T GAP(f)

and the class-specific localisation map of class ``l`` (CAM, Zhou et al. 2016; E6)

    alpha_l(p) = ReLU(w_l^T f(p)) / max_q ReLU(w_l^T f(q))

(``f(p)`` the conv5_3 feature at position ``p``). Since GAP is linear, ``s_l`` is the mean of
``w_l^T f(p)``. The frame rejection (Sec. 3.2) uses ``sigma(s_l)``; the video segmentation's
unaries and the decoder's class-specific activations (Sec. 3.3) use ``alpha_l``.
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
    """``(B, num_classes)`` multi-hot image labels from the samples' ``img_labels``; a missing
    or wrong-length label is a ``ValueError`` naming the image."""
    out = []
    for i, s in enumerate(data_samples):
        lab = _get(s, 'img_labels', None)
        if lab is None:
            raise ValueError(f'sample {i} ({_get(s, "img_path", "?")}) has no image-level '
                             f'label (img_labels): the encoder trains on VOC image labels')
        lab = torch.as_tensor(lab, dtype=torch.float32).reshape(-1)
        if lab.numel() != num_classes:
            raise ValueError(f'sample {i} ({_get(s, "img_path", "?")}): image label has '
                             f'{lab.numel()} entries, expected {num_classes}')
        out.append(lab)
    return torch.stack(out).to(device)


def normalize_cam(cam: torch.Tensor) -> torch.Tensor:
    """E6's normalisation: each map over its spatial maximum (``+1e-5``), ``(..., h, w)``."""
    return cam / (cam.flatten(-2).max(-1)[0][..., None, None] + 1e-5)


@MODELS.register_module()
class WebVideoEncoder(BaseModel):
    """Args:
        backbone: :class:`WebVideoVGG` config (default VGG-16).
        num_classes: foreground classes (VOC: 20).
        bg_thres: background score of the CAM-only label map in ``predict`` (the plain-CAM
            baseline; decided by us, IRN's 0.15 style).
    """

    def __init__(self, backbone: dict | None = None, num_classes: int = 20,
                 bg_thres: float = 0.2, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(dict(type='WebVideoVGG', **(backbone or {})))
        self.num_classes = num_classes
        self.bg_thres = bg_thres
        self.classifier = nn.Conv2d(self.backbone.out_channels, num_classes, 1, bias=False)
        nn.init.normal_(self.classifier.weight, std=0.01)

    def init_weights(self):
        self.backbone.init_weights()

    def encode(self, x: torch.Tensor):
        """``(features f, switches, sizes)`` of the backbone."""
        return self.backbone(x)

    def cam_from_features(self, f: torch.Tensor) -> torch.Tensor:
        """``ReLU(W f)``, ``(B, C, h, w)`` (E6 before the normalisation)."""
        return F.relu(F.conv2d(f, self.classifier.weight))

    def logits_from_features(self, f: torch.Tensor) -> torch.Tensor:
        return self.classifier(f.mean(dim=(2, 3), keepdim=True)).flatten(1)

    def cam(self, x: torch.Tensor) -> torch.Tensor:
        return self.cam_from_features(self.encode(x)[0])

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits_from_features(self.encode(x)[0])

    @torch.no_grad()
    def score_and_localize(self, x: torch.Tensor, size=None):
        """``(sigma(s) (B, C), alpha (B, C, H, W))``: class scores and E6's normalised maps,
        bilinearly upsampled to ``size`` (default the input size)."""
        f = self.encode(x)[0]
        scores = torch.sigmoid(self.logits_from_features(f))
        cam = F.interpolate(self.cam_from_features(f), size or x.shape[-2:], mode='bilinear',
                            align_corners=False)
        return scores, normalize_cam(cam)

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples) -> list:
        """Per image: ``scores`` and, with its ``img_labels``, the CAM-only label map ``pred``
        (VOC ids: argmax of the image's classes' alpha behind ``bg_thres``) and ``gt`` when
        the sample has ``gt_seg_map`` (``PseudoLabelIoUMetric``)."""
        scores, alpha = self.score_and_localize(inputs)
        out = []
        for p, a, s in zip(scores, alpha, data_samples):
            res = dict(scores=p.cpu(), img_path=_get(s, 'img_path', None))
            lab = _get(s, 'img_labels', None)
            h, w = _get(s, 'ori_shape', a.shape[-2:])
            if lab is not None:
                keys = torch.nonzero(torch.as_tensor(lab).reshape(-1)).reshape(-1)
                res['pred'] = cam_label(keys.cpu(), a[keys.to(a.device), :h, :w].cpu(),
                                        self.bg_thres)
                res['cams'], res['keys'] = a[keys.to(a.device), :h, :w].cpu(), keys.cpu()
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
            return dict(loss_cls=F.binary_cross_entropy_with_logits(logits, target))
        if mode == 'predict':
            return self.predict(inputs, data_samples or [{}] * len(inputs))
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")
