"""IRNet (``net/resnet50_irn.py``): the inter-pixel relation network, an mmengine ``BaseModel``.

A frozen ResNet-50 (:class:`~irn.models.backbone.IrnResNet` with every output detached and
BN in eval) feeds two branches at output stride 4:

* boundary branch (``fc_edge1..6``): per backbone level a 1x1 conv to 32 channels,
  ``GroupNorm(4, 32)``, (levels 3/4/5 bilinearly upsampled x2/x4/x4, ``align_corners=False``,
  *before* the ReLU, cropped to level 2's size), ReLU; concatenated (160) -> 1x1 conv (bias) ->
  1 boundary logit.  ``B = sigmoid``.
* displacement branch (``fc_dp1..7``): levels 1/2/3 -> 64/128/256 ch (``GroupNorm(8, 64)``,
  ``GroupNorm(16, ...)``), levels 4/5 -> 256 ch upsampled x2 (cropped to level 3); concat(3, 4, 5)
  = 768 -> 1x1 256 + GN + x2 up + ReLU (cropped to level 2); concat with levels 1, 2 (448) -> 1x1
  256 + GN + ReLU -> 1x1 -> 2 channels ``(dy, dx)``, then :class:`MeanShift`.

Loss (``step/train_irn.py``), from the pair labels of :func:`irn.labels.pair_labels`:
``pos = (mean_bgpos(-log(a + 1e-5)) + mean_fgpos(-log(a + 1e-5))) / 2``,
``neg = mean_neg(-log(1 + 1e-5 - a))``, ``dp_fg = sum_fgpos |(D_i - D_j) - delta_ij|_1 / (2 n_fg)``,
``dp_bg = sum_bgpos |D_i - D_j|_1 / (2 n_bg)``; total ``(pos + neg) / 2 + (dp_fg + dp_bg) / 2``
(each mean is ``sum / (count + 1e-5)``, as officially).  ``a`` is the path affinity
``1 - max_path B`` (:func:`cvshared.ops.affinity.edge_to_affinity`).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.ops.affinity import PathIndex, edge_to_affinity, pair_displacement
from mmengine.model import BaseModel

from ..registry import MODELS


class MeanShift(nn.Module):
    """Subtracts ``running_mean`` (the mean displacement over the training list, computed once
    after training by :func:`irn.hooks.mean_shift.compute_mean_shift`) in eval mode only."""

    def __init__(self, num_features: int = 2):
        super().__init__()
        self.register_buffer('running_mean', torch.zeros(num_features))

    def forward(self, x):
        if self.training:
            return x
        return x - self.running_mean.view(1, -1, 1, 1)


def _block(c_in, c_out, groups, up=None):
    layers = [nn.Conv2d(c_in, c_out, 1, bias=False), nn.GroupNorm(groups, c_out)]
    if up:
        layers.append(nn.Upsample(scale_factor=up, mode='bilinear', align_corners=False))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def irn_losses(edge_logits: torch.Tensor, disp: torch.Tensor, bg_pos: torch.Tensor,
               fg_pos: torch.Tensor, neg: torch.Tensor, path_index: PathIndex) -> dict:
    """The four IRN loss terms (module docstring) and their total.

    Args:
        edge_logits: ``(B, 1, h, w)``; disp: ``(B, 2, h, w)`` on ``path_index.size``.
        bg_pos, fg_pos, neg: ``(B, D, N)`` 0/1 pair labels in ``path_index`` order.
    """
    for name, t in (('bg_pos', bg_pos), ('fg_pos', fg_pos), ('neg', neg)):
        if t.shape[-2:] != path_index.dst_indices.shape:
            raise ValueError(f'{name} pair labels {tuple(t.shape)} do not match the path index '
                             f'(D, N) = {tuple(path_index.dst_indices.shape)}')
    aff = edge_to_affinity(torch.sigmoid(edge_logits), path_index)
    pos_l = -torch.log(aff + 1e-5)
    neg_l = -torch.log(1. + 1e-5 - aff)
    pair = pair_displacement(disp, path_index)  # (B, 2, D, N)
    target = path_index.search_dst.t().to(pair).view(1, 2, -1, 1)
    bg_pos, fg_pos, neg = bg_pos.to(aff), fg_pos.to(aff), neg.to(aff)
    loss_bg = (bg_pos * pos_l).sum() / (bg_pos.sum() + 1e-5)
    loss_fg = (fg_pos * pos_l).sum() / (fg_pos.sum() + 1e-5)
    loss_pos = loss_bg / 2 + loss_fg / 2
    loss_neg = (neg * neg_l).sum() / (neg.sum() + 1e-5)
    dp_fg = ((pair - target).abs() * fg_pos.unsqueeze(1)).sum() / (2 * fg_pos.sum() + 1e-5)
    dp_bg = (pair.abs() * bg_pos.unsqueeze(1)).sum() / (2 * bg_pos.sum() + 1e-5)
    return dict(loss_pos_aff=loss_pos, loss_neg_aff=loss_neg, loss_dp_fg=dp_fg,
                loss_dp_bg=dp_bg, loss=(loss_pos + loss_neg) / 2 + (dp_fg + dp_bg) / 2)


@MODELS.register_module()
class IrnNet(BaseModel):
    """IRNet.  ``mode='tensor'``: ``(edge_logits, disp)``; ``mode='loss'``: the loss dict
    (data samples carry ``aff_bg_pos``, ``aff_fg_pos``, ``aff_neg`` ``(D, N)`` labels).

    Args:
        backbone: config of :class:`IrnResNet` (default IRN's frozen ResNet-50).
        radius: pair radius of the loss (10 at stride 4).
        crop_size: training crop (its stride-4 grid is the path index size).
        freeze_backbone: IRN's frozen backbone (kept in eval mode, outputs detached by the
            default ``detach``); ``False`` lets a backbone given with ``detach=()``,
            ``frozen_stages=-1`` train with the branches (the synthetic configs: a tiny
            backbone has no ImageNet features to freeze; README, Differences).
    """

    def __init__(self, backbone: dict | None = None, radius: int = 10, crop_size: int = 512,
                 freeze_backbone: bool = True, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        cfg = dict(type='IrnResNet', depth=50, strides=(1, 2, 2, 1), norm_eval=True,
                   frozen_stages=4, detach=(0, 1, 2, 3, 4))
        cfg.update(backbone or {})
        self.backbone = MODELS.build(cfg)
        c1, c2, c3, c4, c5 = self.backbone.out_channels
        self.fc_edge1 = _block(c1, 32, 4)
        self.fc_edge2 = _block(c2, 32, 4)
        self.fc_edge3 = _block(c3, 32, 4, up=2)
        self.fc_edge4 = _block(c4, 32, 4, up=4)
        self.fc_edge5 = _block(c5, 32, 4, up=4)
        self.fc_edge6 = nn.Conv2d(160, 1, 1, bias=True)
        self.fc_dp1 = _block(c1, 64, 8)
        self.fc_dp2 = _block(c2, 128, 16)
        self.fc_dp3 = _block(c3, 256, 16)
        self.fc_dp4 = _block(c4, 256, 16, up=2)
        self.fc_dp5 = _block(c5, 256, 16, up=2)
        self.fc_dp6 = _block(768, 256, 16, up=2)
        self.fc_dp7 = nn.Sequential(nn.Conv2d(448, 256, 1, bias=False), nn.GroupNorm(16, 256),
                                    nn.ReLU(inplace=True), nn.Conv2d(256, 2, 1, bias=False))
        self.mean_shift = MeanShift(2)
        self.radius = radius
        self.crop_size = crop_size
        self.freeze_backbone = freeze_backbone
        self._path_index = None

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze_backbone:
            self.backbone.eval()  # frozen backbone: BN statistics never move
        return self

    def path_index(self, size) -> PathIndex:
        if self._path_index is None or self._path_index.size != tuple(size):
            self._path_index = PathIndex(self.radius, tuple(size))
        return self._path_index

    def branches(self, x: torch.Tensor):
        """``(edge_logits (B, 1, h, w), disp (B, 2, h, w))`` at stride 4."""
        x1, x2, x3, x4, x5 = self.backbone(x)
        h2, w2 = x2.shape[-2:]
        e1 = self.fc_edge1(x1)
        e2 = self.fc_edge2(x2)
        e3 = self.fc_edge3(x3)[..., :h2, :w2]
        e4 = self.fc_edge4(x4)[..., :h2, :w2]
        e5 = self.fc_edge5(x5)[..., :h2, :w2]
        edge = self.fc_edge6(torch.cat([e1, e2, e3, e4, e5], dim=1))
        d1, d2, d3 = self.fc_dp1(x1), self.fc_dp2(x2), self.fc_dp3(x3)
        h3, w3 = d3.shape[-2:]
        d4 = self.fc_dp4(x4)[..., :h3, :w3]
        d5 = self.fc_dp5(x5)[..., :h3, :w3]
        up3 = self.fc_dp6(torch.cat([d3, d4, d5], dim=1))[..., :h2, :w2]
        disp = self.mean_shift(self.fc_dp7(torch.cat([d1, d2, up3], dim=1)))
        return edge, disp

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples) -> list:
        """Per image (batch of one size): the boundary ``edge`` ``(1, h, w)`` and displacement
        ``disp`` of :func:`edge_displacement` (padded to ``crop_size``, flip-averaged boundary)
        and, for a sample carrying the make_cam stage's stride-4 ``cams`` / ``cam_keys``
        (``IrnLoadCAM``), the random-walk pseudo label ``pred`` and the propagated scores
        ``rw`` of :func:`irn.labels.sem_seg_label`, with ``gt`` when the sample has
        ``gt_seg_map`` (``PseudoLabelIoUMetric``: the make_sem_seg_labels stage's mIoU)."""
        from ..labels import sem_seg_label
        out = []
        for x, s in zip(inputs, data_samples):
            h, w = _get(s, 'ori_shape', x.shape[-2:])
            edge, disp = edge_displacement(self, x[:, :h, :w], crop_size=self.crop_size)
            res = dict(edge=edge.cpu(), disp=disp.cpu(), img_path=_get(s, 'img_path'))
            cams, keys = _get(s, 'cams'), _get(s, 'cam_keys')
            if cams is not None and keys is not None:
                pred, rw = sem_seg_label(torch.as_tensor(cams), keys, edge, (h, w))
                res.update(pred=torch.as_tensor(pred), rw=rw.cpu(), cams=torch.as_tensor(cams),
                           keys=torch.as_tensor(keys))
            gt = _get(s, 'gt_seg_map')
            if gt is not None:
                res['gt'] = torch.as_tensor(gt)
            out.append(res)
        return out

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        if mode == 'predict':
            return self.predict(inputs, data_samples or [{}] * len(inputs))
        edge, disp = self.branches(inputs)
        if mode == 'tensor':
            return edge, disp
        if mode == 'loss':
            index = self.path_index(edge.shape[-2:])
            labels = {k: torch.stack([torch.as_tensor(_field(s, k)) for s in data_samples])
                      for k in ('aff_bg_pos', 'aff_fg_pos', 'aff_neg')}
            return irn_losses(edge, disp, labels['aff_bg_pos'], labels['aff_fg_pos'],
                              labels['aff_neg'], index)
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")


def _get(sample, name, default=None):
    if isinstance(sample, dict):
        return sample.get(name, default)
    return getattr(sample, name, default)


def _field(sample, name):
    value = sample.get(name) if isinstance(sample, dict) else getattr(sample, name, None)
    if value is None:
        raise ValueError(f'IRN training sample has no {name!r} pair labels: run the '
                         f'cam_to_ir_label stage first')
    return value


@torch.no_grad()
def edge_displacement(model: IrnNet, img: torch.Tensor, crop_size: int = 512,
                      stride: int = 4):
    """Official ``EdgeDisplacement.forward`` on one normalised image ``(3, H, W)``.

    The image and its horizontal flip are zero-padded (right/bottom) to ``crop_size`` (or to
    the image size rounded up to 16 when larger: the official pad would crop), run together;
    the outputs are cropped to the ``ceil(H / 4) x ceil(W / 4)`` grid;
    ``boundary = sigmoid((e(x) + flip(e(flip x))) / 2)``, ``disp = D(x)`` (no flip).

    Returns ``(boundary (1, h, w), disp (2, h, w))``.
    """
    if img.dim() != 3 or img.shape[0] != 3:
        raise ValueError(f'edge_displacement: image must be (3, H, W), got {tuple(img.shape)}')
    h, w = img.shape[-2:]
    fh, fw = (h - 1) // stride + 1, (w - 1) // stride + 1
    ph = max(crop_size, -(-h // 16) * 16)
    pw = max(crop_size, -(-w // 16) * 16)
    x = torch.stack([img, img.flip(-1)])
    x = F.pad(x, [0, pw - w, 0, ph - h])
    edge, disp = model.branches(x)
    edge, disp = edge[..., :fh, :fw], disp[..., :fh, :fw]
    return torch.sigmoid(edge[0] / 2 + edge[1].flip(-1) / 2), disp[0]
