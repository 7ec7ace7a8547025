"""The class-agnostic decoder (paper Sec. 3.3) and the full encoder-decoder (Sec. 3.4).

Decoder (TransferNet's, Hong et al. CVPR 2016, ``training/2_train_segmentation/
deploy.prototxt`` of maga33/TransferNet, read for the layer list): the class-specific
activation (E7)

    g_l = f (*) alpha_l            (conv5_3 features times the class's localisation map E6,
                                    broadcast over the channels)

goes through a deconvolution network mirroring the encoder: one 3 x 3 layer for the top block
(``deconv5_1``), then per pooled block a max-unpooling with the encoder's switches followed by
that block's 3 x 3 layers in reverse (the last one of a block narrows to the block below:
512-512-256, 256-256-128, 128-64, 64-64), and a 1 x 1 layer to two channels (background /
foreground of class ``l``): binary segmentation, shared by all classes (class-agnostic).
TransferNet's "Deconvolution" layers have stride 1 and pad 1, the same operator family as a
3 x 3 convolution; they are ``nn.Conv2d`` here.

Training (Sec. 3.3): softmax cross-entropy of the two-channel output against the binary masks
the video segmentation (Sec. 3.2) produced, the frame's class ``l`` selecting ``alpha_l``; the
encoder is fixed (decided by us: the paper trains the decoder on the video annotations; whether
the encoder is fine-tuned too could not be verified).

Inference (Sec. 3.4, E8): for every class ``l`` the encoder finds in the image (score
``sigma(s_l) > cls_thres``, or the ground-truth image labels in the pseudo-label protocol), the
decoder's foreground probability ``P_l``; the label of a pixel is ``argmax([bg, P_1..P_L])``
with the background score ``bg = fg_thres`` (0.5: foreground where some class's decoder says
so), optionally refined by the dense CRF (:mod:`cvshared.wsss.crf`, on ``[1 - max P, P_l]``).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.wsss.cam import cam_label
from mmengine.model import BaseModel

from ..registry import MODELS
from .backbone import VGG16_ARCH, VGG16_WIDTHS
from .encoder import _get, normalize_cam


@MODELS.register_module()
class WebVideoDecoder(nn.Module):
    """Mirror of :class:`WebVideoVGG` (same ``arch``, ``widths``, ``num_pools``).

    Shape: ``g (B, widths[-1], h, w)``, the encoder's switches and sizes ->
    ``(B, 2, H, W)`` logits (background, foreground).
    """

    def __init__(self, arch=VGG16_ARCH, widths=VGG16_WIDTHS, num_pools: int = 4,
                 num_outputs: int = 2):
        super().__init__()
        self.arch, self.widths, self.num_pools = tuple(arch), tuple(widths), num_pools
        blocks = []
        c = widths[-1]
        for b in range(len(arch) - 1, -1, -1):
            if b >= num_pools:  # above the last pool: one layer (TransferNet's deconv5_1),
                outs = [widths[max(b - 1, 0)]]  # to the width of the block below
            else:  # after unpooling: the block's layers, the last narrowing to the block below
                outs = [widths[b]] * (arch[b] - 1) + [widths[max(b - 1, 0)]]
            layers = []
            for w in outs:
                layers += [nn.Conv2d(c, w, 3, padding=1), nn.ReLU(inplace=True)]
                c = w
            blocks.append(nn.Sequential(*layers))
        self.blocks = nn.ModuleList(blocks)  # top block first
        self.unpool = nn.MaxUnpool2d(2, 2)
        self.score = nn.Conv2d(c, num_outputs, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.01)  # TransferNet's gaussian 0.01 filler
                nn.init.zeros_(m.bias)
        for m in self.blocks.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

    def forward(self, g: torch.Tensor, switches, sizes) -> torch.Tensor:
        if len(switches) != self.num_pools:
            raise ValueError(f'{len(switches)} pool switches for a decoder with '
                             f'{self.num_pools} unpoolings')
        x = g
        for k, block in enumerate(self.blocks):
            b = len(self.arch) - 1 - k  # the encoder block this decoder block mirrors
            if b < self.num_pools:
                x = self.unpool(x, switches[b], output_size=sizes[b])
            x = block(x)
        return self.score(x)


@MODELS.register_module()
class WebVideoSegmentor(BaseModel):
    """Encoder (:class:`WebVideoEncoder`) + class-agnostic decoder, E7-E8.

    Args:
        encoder: encoder config (``type`` optional).
        decoder: :class:`WebVideoDecoder` kwargs (default: mirror of the encoder's backbone).
        encoder_checkpoint: the trained encoder (the ``train_encoder`` stage), loaded strictly
            by ``init_weights``; None keeps the encoder as built.
        freeze_encoder: no gradient into the encoder, which stays in eval mode (decided).
        cls_thres: class-presence threshold on ``sigma(s_l)`` at inference (decided: 0.5).
        fg_thres: E8's background score (0.5).
        use_gt_labels: use the samples' ``img_labels`` instead of the encoder's prediction
            (the pseudo-label protocol; the paper's VOC test uses predicted classes).
        crf: None, or kwargs of :func:`cvshared.wsss.crf.crf_inference_prob` (``t`` ...).
        cam_bg_thres: the plain-CAM baseline's background score (``pred_cam`` output).
    """

    def __init__(self, encoder: dict, decoder: dict | None = None,
                 encoder_checkpoint: str | None = None, freeze_encoder: bool = True,
                 cls_thres: float = 0.5, fg_thres: float = 0.5, use_gt_labels: bool = False,
                 crf: dict | None = None, cam_bg_thres: float = 0.2, data_preprocessor=None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.encoder = MODELS.build(dict(dict(type='WebVideoEncoder'), **encoder))
        bb = self.encoder.backbone
        dec = dict(arch=bb.arch, widths=bb.widths, num_pools=bb.num_pools)
        dec.update(decoder or {})
        dec.pop('type', None)
        self.decoder = WebVideoDecoder(**dec)
        self.encoder_checkpoint = encoder_checkpoint
        self.freeze_encoder = freeze_encoder
        self.cls_thres, self.fg_thres = cls_thres, fg_thres
        self.use_gt_labels, self.crf, self.cam_bg_thres = use_gt_labels, crf, cam_bg_thres
        if freeze_encoder:
            for p in self.encoder.parameters():
                p.requires_grad_(False)

    def init_weights(self):
        if self.encoder_checkpoint:
            from cvshared.engine.weights import load_weights
            load_weights(self.encoder, self.encoder_checkpoint, strict=True,
                         paper='webvideo_wsss')
        else:
            self.encoder.init_weights()

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze_encoder:
            self.encoder.eval()
        return self

    def _encode(self, x):
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze_encoder):
            f, sw, sz = self.encoder.encode(x)
            alpha = normalize_cam(self.encoder.cam_from_features(f))
            logits = self.encoder.logits_from_features(f)
        return f, sw, sz, alpha, logits

    def decode(self, f, sw, sz, alpha_l) -> torch.Tensor:
        """E7 + decoder: ``alpha_l (B, h, w)`` -> ``(B, 2, H, W)`` logits."""
        return self.decoder(f * alpha_l[:, None], sw, sz)

    def segment(self, x: torch.Tensor, classes) -> torch.Tensor:
        """``(B, K, H, W)`` foreground probabilities of the classes ``classes`` (K indices) for
        every image of the batch (the tensor mode)."""
        f, sw, sz, alpha, _ = self._encode(x)
        out = [F.softmax(self.decode(f, sw, sz, alpha[:, k]), 1)[:, 1] for k in classes]
        return torch.stack(out, 1)

    def loss(self, x, data_samples) -> dict:
        f, sw, sz, alpha, _ = self._encode(x)
        cls = torch.as_tensor([int(_get(s, 'cls')) for s in data_samples], device=x.device)
        if (cls < 0).any() or (cls >= alpha.shape[1]).any():
            raise ValueError(f'frame class indices {cls.tolist()} outside 0..'
                             f'{alpha.shape[1] - 1}')
        a = alpha[torch.arange(len(cls), device=x.device), cls]
        logits = self.decode(f, sw, sz, a)
        target = torch.stack([torch.as_tensor(_get(s, 'gt_mask'), dtype=torch.long)
                              for s in data_samples]).to(x.device)
        return dict(loss_seg=F.cross_entropy(logits, target, ignore_index=255))

    @torch.no_grad()
    def predict(self, x, data_samples) -> list:
        f, sw, sz, alpha, logits = self._encode(x)
        scores = torch.sigmoid(logits)
        out = []
        for b, s in enumerate(data_samples):
            lab = _get(s, 'img_labels', None)
            if self.use_gt_labels and lab is not None:
                keys = torch.nonzero(torch.as_tensor(lab).reshape(-1)).reshape(-1)
            else:
                keys = torch.nonzero(scores[b] > self.cls_thres).reshape(-1)
                if not len(keys):
                    keys = scores[b].argmax().reshape(1)
            keys = keys.to(x.device)
            fb, swb = f[b:b + 1], [w[b:b + 1] for w in sw]
            probs = torch.cat([F.softmax(self.decode(fb, swb, sz, alpha[b:b + 1, k]), 1)[:, 1]
                               for k in keys])  # (K, H, W)
            h, w = _get(s, 'ori_shape', probs.shape[-2:])
            probs = probs[:, :h, :w].cpu()
            pred = label_from_probs(probs, keys.cpu(), self.fg_thres)
            if self.crf is not None and _get(s, 'img_path', None):
                pred = crf_refine(_get(s, 'img_path'), probs, keys.cpu(), self.crf)
            cams = F.interpolate(alpha[b:b + 1, keys], x.shape[-2:], mode='bilinear',
                                 align_corners=False)[0, :, :h, :w].cpu()
            res = dict(scores=scores[b].cpu(), keys=keys.cpu(), probs=probs, pred=pred,
                       cams=normalize_cam(cams),
                       pred_cam=cam_label(keys.cpu(), normalize_cam(cams), self.cam_bg_thres),
                       img_path=_get(s, 'img_path', None))
            gt = _get(s, 'gt_seg_map', None)
            if gt is not None:
                res['gt'] = torch.as_tensor(gt)
            out.append(res)
        return out

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        if mode == 'tensor':
            return self.segment(inputs, range(self.encoder.num_classes))
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples or [{}] * len(inputs))
        raise ValueError(f"mode must be 'tensor', 'loss' or 'predict', not {mode!r}")


def label_from_probs(probs: torch.Tensor, keys: torch.Tensor, fg_thres: float = 0.5):
    """E8: VOC ids of ``argmax([fg_thres, P_1..P_K])`` (``probs`` ``(K, H, W)``)."""
    return cam_label(keys, probs, fg_thres)


def crf_refine(img_path: str, probs: torch.Tensor, keys: torch.Tensor, crf: dict):
    """Dense-CRF refinement of E8 on ``[1 - max_l P_l, P_1..P_K]`` (renormalised)."""
    from cvshared.wsss.crf import crf_inference_prob
    from PIL import Image
    with Image.open(img_path) as im:
        img = np.array(im.convert('RGB'))
    p = probs.numpy().astype(np.float32)
    stack = np.concatenate([1 - p.max(0, keepdims=True), p]) + 1e-5
    stack /= stack.sum(0, keepdims=True)
    refined = crf_inference_prob(img[:p.shape[1], :p.shape[2]], stack, **crf)
    lut = np.concatenate([[0], keys.numpy() + 1])
    return torch.from_numpy(lut[np.asarray(refined).argmax(0)])
