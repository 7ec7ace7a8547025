"""PPAP's segmentor (Seong et al., ECCV 2024): the official ``model/dino/DinoFeaturizer.py`` +
``STEGO.py`` + the training step of ``run.py``, on the shared STEGO-protocol base
(:class:`cvshared.useg.segmentor.USegSegmentor`).

Forward (official ``DinoFeaturizer.forward``):

- the frozen DINO ViT (:class:`cvshared.useg.dino.DinoViT`) gives the second-to-last block's
  tokens ``mid_tokens`` (``midfeat``) and the normalised last-block patch features ``feat``
  (``crit_feat``);
- the trainable **decoder**, a deep copy of the last ViT block made at construction
  (:meth:`DinoViT.make_decoder`, so it starts from the loaded DINO weights), is applied to
  ``mid_tokens`` (with ``[CLS]``), then the *frozen* final norm: ``code`` ``[B, D, h, w]``
  (``D`` = the ViT width), which the probes read and the evaluation upsamples;
- ``z = normalise(project_head(code))`` per patch, ``[B h w, D]``.

Loss (``run.py``): :func:`ppap.models.proxy_propagation.ppap_loss` on ``z`` and
``Dropout2d(0.1)(crit_feat)`` (detached; normalised per patch inside), anchors sub-sampled per
chunk of ``chunk_size`` patches; plus the probe losses of the base (detached code).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from cvshared.useg.segmentor import USegSegmentor
from torch import Tensor, nn

from ..registry import MODELS
from .proxy_propagation import ppap_loss

__all__ = ['PPAPSegmentor', 'PPAP_LOSS_KEYS']

#: the official ``training_coeff`` names -> ours (``loss_cfg`` keys)
PPAP_LOSS_KEYS = {'tau': 'temperature', 'initialcrit_pos': 'phi0',
                  'initialcrit_amb': 'psi0', 'prop_iter': 'prop_iter',
                  'sigma_pos': 'sigma_pos', 'sigma_amb': 'sigma_amb',
                  'trainpatchsplit': 'anchor_split'}
_LOSS_ARGS = set(PPAP_LOSS_KEYS.values()) | {'chunk_size', 'base_temperature'}


@MODELS.register_module()
class PPAPSegmentor(USegSegmentor):
    """Args:
        backbone: the frozen ViT (``dict(type='DinoViT', arch=..., weights=PATH)``).
        num_classes: 27 (COCO-Stuff, Cityscapes) or 3 (Potsdam).
        loss_cfg: :func:`ppap_loss` arguments: ``temperature`` (official ``tau``), ``phi0``
            (``initialcrit_pos``), ``psi0`` (``initialcrit_amb``), ``prop_iter``,
            ``sigma_pos``, ``sigma_amb``, ``anchor_split`` (``trainpatchsplit``), optionally
            ``chunk_size`` (official 784) and ``base_temperature`` (0.07).
        dropout: the ``Dropout2d`` probability on ``crit_feat`` (official 0.1).
        anchor_seed: ``None``: the anchors are drawn from the global generator (the official;
            seeded by the runner's ``randomness``); an int: from a generator of this model
            seeded once with it.
        pretrained: path of the official DINO weights, loaded into the backbone
            (:meth:`cvshared.useg.dino.DinoViT.load_weights`, strict) *before* the decoder is
            copied from its last block, as the official; ``None``: the backbone as built.
        The rest: :class:`USegSegmentor` (``code_dim`` is the ViT width, set here).
    """

    def __init__(self, backbone, num_classes: int, loss_cfg: dict, dropout: float = 0.1,
                 anchor_seed: int | None = None, extra_clusters: int = 0, crf: bool = False,
                 cluster_alpha: float = 2.0, pretrained: str | None = None,
                 data_preprocessor=None, init_cfg=None):
        backbone = MODELS.build(backbone) if isinstance(backbone, dict) else backbone
        if not hasattr(backbone, 'make_decoder'):
            raise TypeError(f'PPAPSegmentor: the backbone must be a DinoViT (it copies the '
                            f'last block as the decoder), got {type(backbone).__name__}')
        dim = backbone.embed_dim
        # the base loads ``pretrained`` into the backbone, before the decoder copy below
        super().__init__(backbone, num_classes, dim, extra_clusters=extra_clusters, crf=crf,
                         cluster_alpha=cluster_alpha, pretrained=pretrained,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        loss_cfg = dict(loss_cfg)
        official = sorted(set(loss_cfg) & set(PPAP_LOSS_KEYS) - _LOSS_ARGS)
        unknown = sorted(set(loss_cfg) - _LOSS_ARGS)
        if unknown:
            hint = (f' (official names {official}: use '
                    f'{[PPAP_LOSS_KEYS[k] for k in official]})' if official else '')
            raise ValueError(f'PPAPSegmentor: unknown loss_cfg keys {unknown}{hint}; '
                             f'expected {sorted(_LOSS_ARGS)}')
        missing = sorted(set(PPAP_LOSS_KEYS.values()) - set(loss_cfg))
        if missing:
            raise ValueError(f'PPAPSegmentor: loss_cfg lacks {missing} (the official '
                             'training_coeff of json/server/*.json)')
        if not 0 <= dropout < 1:
            raise ValueError(f'PPAPSegmentor: dropout must lie in [0, 1), got {dropout}')
        self.loss_cfg = loss_cfg
        self.decoder = self.backbone.make_decoder()
        self.project_head = nn.Linear(dim, dim)
        self.dropout = nn.Dropout2d(p=dropout)
        self.anchor_seed = anchor_seed
        self._generator = None

    # -- forward ------------------------------------------------------------------------------
    def features(self, img: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``(code [B, D, h, w], z [B h w, D], crit_feat [B, D, h, w])`` (no dropout)."""
        p = self.backbone.patch_size
        h, w = img.shape[2] // p, img.shape[3] // p
        out = self.backbone(img)
        code = self.backbone.decode_grid(out['mid_tokens'], self.decoder, h, w)
        z = code.permute(0, 2, 3, 1).reshape(-1, code.shape[1])
        z = F.normalize(self.project_head(z), dim=1)
        return code, z, out['feat']

    def code(self, img: Tensor) -> Tensor:
        return self.features(img)[0]

    def anchor_generator(self) -> torch.Generator | None:
        if self.anchor_seed is None:
            return None
        if self._generator is None:
            self._generator = torch.Generator().manual_seed(int(self.anchor_seed))
        return self._generator

    def head_loss(self, img: Tensor, data_samples) -> tuple[dict, Tensor]:
        code, z, crit = self.features(img)
        crit = self.dropout(crit)
        cfg = self.loss_cfg
        chunk = cfg.get('chunk_size', 784)
        if z.shape[0] % chunk:
            p = self.backbone.patch_size
            raise ValueError(
                f'PPAPSegmentor: {img.shape[0]} images of {img.shape[2]} x {img.shape[3]} give '
                f'{z.shape[0]} patches (patch {p}), not a whole number of chunks of {chunk}: '
                'set loss_cfg.chunk_size to a divisor, or the batch size / crop size so that '
                'batch x patches is a multiple (official: 224 crops, batch 64, drop_last)')
        loss, pos_num, neg_num = ppap_loss(z, crit.detach(), generator=self.anchor_generator(),
                                           **cfg)
        return dict(loss_supcon=loss, pos_num=pos_num.detach(), neg_num=neg_num.detach()), code
