"""HP's segmentor: the frozen DINO ViT, :class:`~hp.models.head.HPHead` (+ EMA), the projection
head, and the training losses of the official ``run.py`` (github.com/hynnsk/HP).

One training step (``head_loss``), in the official order:

1. ``feat`` (last-block patch tokens after the final norm) and the head-mean pre-softmax
   attention of the last block from the frozen ViT (:class:`cvshared.useg.dino.DinoViT`);
2. ``code = head(feat)`` and ``code_ema = head.forward_ema(feat)`` -- ``Dropout2d(0.1)`` drawn
   separately before each branch, as the official ``DinoFeaturizer``; the LHP code
   ``code_lhp`` (:func:`~hp.models.hidden_positives.local_hidden_positive_codes` over the 3 x 3
   attention neighbourhood); then the EMA update of the head (``ema_m``);
3. the returned tensors get a fresh ``Dropout2d`` each (``f = drop(feat)``, ``s = drop(code_ema)``,
   ``drop(code_lhp)``), as the official ``forward(train=True)`` returns them;
4. the photometric view ``img_aug`` (:class:`hp.datasets.HPPhotometricView`) through the ViT
   and the live head (no EMA update), ``code_aug``;
5. ``z = normalize(proj(code))``, ``z_aug``, ``z_mix = normalize(proj(code_lhp))``
   (``proj = Linear(dim, dim)``, its own optimiser); ``f`` and ``s`` normalised;
6. ``loss_hp = (L_GHP + L_LHP) / 2`` (:func:`~hp.models.hidden_positives.hidden_positives_loss`,
   reference pools ``pool_ag`` / ``pool_sp`` and the weight ``lmbd`` set by
   :class:`hp.hooks.HiddenPositivesHook`; one chunk = one image's ``h x w`` patches) and
   ``loss_consistency = alpha * mean_i ||z_i - z_aug_i + 1e-6||`` (``nn.PairwiseDistance``);
   the base adds the probe losses on the detached ``code``.

Evaluation (``code``): ``head(feat)`` without dropout (``net_model(img)[1]`` in eval mode).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from cvshared.useg.segmentor import USegSegmentor
from torch import Tensor

from ..registry import MODELS
from .head import HPHead
from .hidden_positives import hidden_positives_loss, local_attention, local_hidden_positive_codes

__all__ = ['HPSegmentor']


@MODELS.register_module()
class HPSegmentor(USegSegmentor):
    """Args (besides :class:`~cvshared.useg.segmentor.USegSegmentor`'s):
        dim: code channels (official ``model.dim``: 512 COCO-Stuff / Cityscapes, 256 Potsdam).
        ema_m: EMA momentum of the head (0.99 COCO-Stuff, 0.999 otherwise).
        tau: SupCon temperature (0.8 / 0.6 / 0.4). rho: kept fraction of the other patches
            in the denominator (0.02 / 0.02 / 1.0). alpha: consistency weight (0.05 / 0.05 / 0).
        sigma: LHP attention scale (official 28). dropout: ``Dropout2d`` probability (0.1;
            the official ``pretrained.dropout = true``). nonlinear: the head's second branch
            (``projection_type='nonlinear'``). reweight: HP's ``pnm`` re-weighting.
        missing_pools: what a training step without reference pools does: ``'error'`` (the
            default: training needs :class:`hp.hooks.HiddenPositivesHook`) or ``'batch'``
            (fill them from the batch itself, one random patch per image: for timing the step
            outside a runner, e.g. ``tools/benchmark.py --cfg-options
            model.missing_pools=batch``; not the paper's pools).
        pretrained: path of the official DINO weights for the backbone (loaded by the base,
            :meth:`cvshared.useg.dino.DinoViT.load_weights`, strict); ``None``: random.
    """

    def __init__(self, backbone, num_classes: int, dim: int = 512, ema_m: float = 0.99,
                 tau: float = 0.8, rho: float = 0.02, alpha: float = 0.05, sigma: float = 28.0,
                 dropout: float = 0.1, nonlinear: bool = True, reweight: bool = True,
                 extra_clusters: int = 0, crf: bool = False, cluster_alpha: float = 2.0,
                 pretrained: str | None = None, missing_pools: str = 'error',
                 data_preprocessor=None, init_cfg=None):
        super().__init__(backbone, num_classes, dim, extra_clusters=extra_clusters, crf=crf,
                         cluster_alpha=cluster_alpha, pretrained=pretrained,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        for name, value, lo, hi in (('ema_m', ema_m, 0, 1), ('rho', rho, 0, 1),
                                    ('dropout', dropout, 0, 1)):
            if not lo <= value <= hi:
                raise ValueError(f'HPSegmentor: {name} must lie in [{lo}, {hi}], got {value}')
        if missing_pools not in ('error', 'batch'):
            raise ValueError(f"HPSegmentor: missing_pools must be 'error' or 'batch', got "
                             f'{missing_pools!r}')
        self.missing_pools = missing_pools
        if tau <= 0 or alpha < 0:
            raise ValueError(f'HPSegmentor: tau must be > 0 and alpha >= 0, got {tau}, {alpha}')
        in_channels = self.backbone.embed_dim
        self.dim = dim
        self.head = HPHead(in_channels, dim, nonlinear=nonlinear)
        self.proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout2d(p=dropout)
        self.ema_m, self.tau, self.rho, self.alpha = ema_m, tau, rho, alpha
        self.sigma, self.reweight = sigma, reweight
        # set by hp.hooks.HiddenPositivesHook before each training iteration
        self.pool_ag: Tensor | None = None
        self.pool_sp: Tensor | None = None
        self.lmbd = 0.0

    # -- features ------------------------------------------------------------------------------
    def code(self, img: Tensor) -> Tensor:
        return self.head(self.backbone(img)['feat'])

    @torch.no_grad()
    def pool_features(self, img: Tensor) -> dict[str, Tensor]:
        """What the official ``net_model(img)`` gives the reference pools, in the current
        mode (the official fills them in training mode, so with dropout): ``ag`` =
        ``drop(feat)`` ``[B, D, h, w]``, ``sp`` = ``drop(code_ema)`` ``[B, dim, h, w]``."""
        feat = self.backbone(img)['feat']
        return dict(ag=self.drop(feat), sp=self.drop(self.head.forward_ema(feat, self.drop)))

    def set_pools(self, pool_ag: Tensor | None = None, pool_sp: Tensor | None = None) -> None:
        """Install reference pools (rows L2-normalised here; all-zero rows stay zero)."""
        for name, pool, width in (('pool_ag', pool_ag, self.backbone.embed_dim),
                                  ('pool_sp', pool_sp, self.dim)):
            if pool is None:
                continue
            if pool.dim() != 2 or pool.shape[1] != width:
                raise ValueError(f'{name} must be [pool_size, {width}], got {tuple(pool.shape)}')
            setattr(self, name, F.normalize(pool.float(), dim=1))

    # -- training ------------------------------------------------------------------------------
    def _aug_images(self, data_samples, like: Tensor) -> Tensor:
        if not data_samples or 'img_aug' not in data_samples[0]:
            raise ValueError('HP trains on a second, photometric view: add '
                             "dict(type='HPPhotometricView') before dict(type='PackHPInputs') "
                             'to the training pipeline')
        aug = torch.stack([s.img_aug.data for s in data_samples]).to(like)
        if aug.shape != like.shape:
            raise ValueError(f'img_aug {tuple(aug.shape)} differs from the image batch '
                             f'{tuple(like.shape)}: the view must be made after the last '
                             'geometric transform')
        return aug

    def train_forward(self, img: Tensor) -> dict[str, Tensor]:
        """Steps 1-3 of the module docstring (the official ``net_model(img, train=True)``),
        including the EMA update: ``feat``, ``code``, ``code_ema``, ``code_lhp`` (before the
        output dropout), ``f``, ``s``, ``code_mix`` (after it)."""
        out = self.backbone(img, with_attn=True)
        feat = out['feat']
        h, w = feat.shape[-2:]
        code = self.head(feat, self.drop)
        code_ema = self.head.forward_ema(feat, self.drop)
        weights = local_attention(out['attn_logits'].unsqueeze(1), h, w, self.sigma)
        code_lhp = local_hidden_positive_codes(code, weights)
        self.head.update_ema(self.ema_m)
        return dict(feat=feat, code=code, code_ema=code_ema, code_lhp=code_lhp,
                    f=self.drop(feat), s=self.drop(code_ema), code_mix=self.drop(code_lhp))

    @staticmethod
    def project(proj: nn.Module, code: Tensor) -> Tensor:
        """``normalize(proj(code))`` per patch: ``[B, d, h, w] -> [B h w, d]`` (row-major
        patches, image by image, as the official ``permute(0, 2, 3, 1).reshape``)."""
        return F.normalize(proj(code.permute(0, 2, 3, 1).reshape(-1, code.shape[1])), dim=1)

    def head_loss(self, img: Tensor, data_samples) -> tuple[dict, Tensor]:
        if (self.pool_ag is None or self.pool_sp is None) and self.missing_pools == 'batch':
            feats = self.pool_features(img)
            pick = [(f.flatten(2), torch.randint(0, f.shape[2] * f.shape[3], (f.shape[0],)))
                    for f in (feats['ag'], feats['sp'])]
            self.set_pools(*[x[torch.arange(x.shape[0]), :, i] for x, i in pick])
        if self.pool_ag is None or self.pool_sp is None:
            raise RuntimeError('HPSegmentor: no reference pools; add '
                               "dict(type='HiddenPositivesHook') to custom_hooks (it fills "
                               'Pool_ag / Pool_sp from the training set before training)')
        img_aug = self._aug_images(data_samples, img)
        out = self.train_forward(img)
        code, code_mix, f, s = out['code'], out['code_mix'], out['f'], out['s']
        h, w = code.shape[-2:]
        code_aug = self.head(self.backbone(img_aug)['feat'], self.drop)

        def flat(x: Tensor) -> Tensor:
            return F.normalize(x.permute(0, 2, 3, 1).reshape(-1, x.shape[1]), dim=1)

        z, z_aug = self.project(self.proj, code), self.project(self.proj, code_aug)
        z_mix = self.project(self.proj, code_mix)
        loss_hp = hidden_positives_loss(
            z, z_mix, flat(s), flat(f),
            self.pool_ag.to(z), self.pool_sp.to(z), float(self.lmbd), self.tau, self.rho,
            chunk_size=h * w, reweight=self.reweight)
        consistency = F.pairwise_distance(z, z_aug).mean()
        return dict(loss_hp=loss_hp, loss_consistency=self.alpha * consistency), code
