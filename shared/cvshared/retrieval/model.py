"""The deep-metric-learning embedding model on mmpretrain, registered in mmengine's root
``MODELS`` (found from the ``mmpretrain`` scope and any other).

    EmbeddingRetriever(                                 # an mmpretrain ImageToImageRetriever
        image_encoder=[backbone, EmbeddingNeck],        #   e.g. mmpretrain ResNet-50, norm_eval
        head=MetricLearningHead(loss=..., num_classes=C, embed_dim=D))

* :class:`EmbeddingNeck`: global pooling of the last feature map (``'avg'``, ``'max'``,
  ``'avg+max'`` = their sum, the Proxy Anchor / AntiCo "double" pooling, or ``'avg,max'`` =
  their concatenation), a linear embedding layer (kaiming-normal fan_out weight, zero bias, as
  the official Proxy Anchor ``_initialize_weights``) and L2 normalisation
  (``x / sqrt(sum x^2 + 1e-12)``, the official ``l2_norm``). Output: a 1-tuple ``((B, D),)``
  (mmpretrain necks return tuples).
* :class:`MetricLearningHead`: owns the learnable ``proxies`` ``(C, D)`` when one of its losses
  needs them (``requires_proxies``) and sums one or several losses (each with its
  ``loss_weight``); returns ``{'loss_<name>': value, ...}``. The proxies are the parameter
  ``head.proxies``: give them their own lr with
  ``optim_wrapper.paramwise_cfg = dict(custom_keys={'proxies': dict(lr_mult=100, decay_mult=0)})``
  (Proxy Anchor: 100, AntiCo: 2000).
* :class:`EmbeddingRetriever`: ``predict`` returns the data samples with ``embedding`` (the
  ``(D,)`` L2-normalised vector) set; the retrieval metrics
  (:mod:`cvshared.metrics.retrieval`) search among the test embeddings themselves, so no
  prototype set is needed (``prototype`` is optional; when given, mmpretrain's matching also
  fills ``pred_score`` / ``pred_label``).

The backbone is any mmpretrain backbone config. The papers' BN-Inception exists neither in
mmpretrain nor in timm (its weights come only from the Cadene ``pretrainedmodels`` download), so
the config bases use mmpretrain's ResNet-50 with ``norm_eval=True`` and
``norm_cfg=dict(type='BN', requires_grad=False)``: all BatchNorm layers stay in eval mode and
their affine parameters are frozen, which is the official ``--bn-freeze 1``.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from mmpretrain.models.retrievers import ImageToImageRetriever

__all__ = ['EmbeddingNeck', 'MetricLearningHead', 'EmbeddingRetriever', 'l2_norm']

POOLINGS = ('avg', 'max', 'avg+max', 'avg,max')


def l2_norm(x: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """``x / sqrt(sum x^2 + eps)`` along the last dim (the official Proxy Anchor ``l2_norm``)."""
    return x / torch.sqrt(x.pow(2).sum(dim=-1, keepdim=True) + eps)


@MODELS.register_module()
class EmbeddingNeck(BaseModule):
    """Global pooling -> Linear -> L2 normalisation.

    Args:
        in_channels: Channels of the backbone's last feature map (2048 for ResNet-50).
        out_channels: Embedding size D (512 in the papers).
        pooling: ``'avg'``, ``'max'``, ``'avg+max'`` (sum; Proxy Anchor, AntiCo) or
            ``'avg,max'`` (concatenation; the linear layer then has ``2 * in_channels`` inputs).
        normalize: L2-normalise the output (the papers: yes).
        init_cfg: mmengine init; ``None`` = kaiming-normal fan_out weight, zero bias.

    Input: a tensor ``(B, C, H, W)`` / ``(B, C)`` or a tuple of them (the last one is used).
    """

    def __init__(self, in_channels: int, out_channels: int = 512, pooling: str = 'avg+max',
                 normalize: bool = True, init_cfg: dict | None = None):
        super().__init__(init_cfg=init_cfg)
        if pooling not in POOLINGS:
            raise ValueError(f'EmbeddingNeck: pooling must be one of {POOLINGS}, got {pooling!r}')
        self.pooling = pooling
        self.normalize = normalize
        fan_in = in_channels * (2 if pooling == 'avg,max' else 1)
        self.embedding = nn.Linear(fan_in, out_channels)
        self._custom_init = init_cfg is None
        self._reset()

    def _reset(self) -> None:
        nn.init.kaiming_normal_(self.embedding.weight, mode='fan_out')
        nn.init.zeros_(self.embedding.bias)

    def init_weights(self):
        if self._custom_init:
            self._reset()
        else:
            super().init_weights()

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 2:
            return x if self.pooling != 'avg,max' else torch.cat([x, x], dim=1)
        avg = F.adaptive_avg_pool2d(x, 1).flatten(1) if 'avg' in self.pooling else None
        mx = F.adaptive_max_pool2d(x, 1).flatten(1) if 'max' in self.pooling else None
        if self.pooling == 'avg':
            return avg
        if self.pooling == 'max':
            return mx
        if self.pooling == 'avg+max':
            return avg + mx
        return torch.cat([avg, mx], dim=1)

    def forward(self, inputs) -> tuple[torch.Tensor]:
        x = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        x = self.embedding(self.pool(x))
        if self.normalize:
            x = l2_norm(x)
        return (x,)


@MODELS.register_module()
class MetricLearningHead(BaseModule):
    """Loss head of the embedding model: owns the proxies, sums the configured losses.

    Args:
        loss: One loss config (``dict(type='ProxyAnchorLoss', alpha=32, delta=0.1)``) or a list
            of them; every loss is built from ``MODELS`` and applies its own ``loss_weight``.
            The returned dict has one ``loss_<loss_name>`` per loss (a repeated name gets
            ``_1``, ``_2`` ...); mmengine's ``parse_losses`` sums every key holding ``loss``.
        num_classes: Number of training classes C (the proxies' rows); required when a loss
            needs proxies.
        embed_dim: Embedding size D; required with proxies.
        proxy_init: ``'kaiming_normal'`` (fan_out, official Proxy Anchor and PML) or
            ``'normal'`` (``N(0, 1) * proxy_std``, AntiCo's ``randn / 8`` with ``proxy_std=1/8``).
        proxy_std: Std of the ``'normal'`` init.

    ``loss(feats, data_samples)``: ``feats`` is the encoder output (tuple -> last element,
    ``(B, D)``), labels come from ``data_sample.gt_label``.
    """

    def __init__(self, loss: dict | Sequence[dict], num_classes: int | None = None,
                 embed_dim: int | None = None, proxy_init: str = 'kaiming_normal',
                 proxy_std: float = 0.125, init_cfg: dict | None = None):
        super().__init__(init_cfg=init_cfg)
        cfgs = [loss] if isinstance(loss, dict) or isinstance(loss, nn.Module) else list(loss)
        if not cfgs:
            raise ValueError('MetricLearningHead: loss must be a loss config or a non-empty list')
        self.losses = nn.ModuleList(
            [c if isinstance(c, nn.Module) else MODELS.build(c) for c in cfgs])
        self.num_classes = num_classes
        self.embed_dim = embed_dim
        if proxy_init not in ('kaiming_normal', 'normal'):
            raise ValueError(f"proxy_init must be 'kaiming_normal' or 'normal', got {proxy_init!r}")
        self.proxy_init = proxy_init
        self.proxy_std = float(proxy_std)
        if any(getattr(m, 'requires_proxies', False) for m in self.losses):
            if not num_classes or not embed_dim:
                raise ValueError('MetricLearningHead: a loss needs proxies, so num_classes (the '
                                 'number of training classes) and embed_dim must be set, got '
                                 f'num_classes={num_classes}, embed_dim={embed_dim}')
            self.proxies = nn.Parameter(torch.empty(num_classes, embed_dim))
            self.reset_proxies()
        else:
            self.proxies = None

    def reset_proxies(self) -> None:
        if self.proxies is None:
            return
        with torch.no_grad():
            if self.proxy_init == 'kaiming_normal':
                nn.init.kaiming_normal_(self.proxies, mode='fan_out')
            else:
                self.proxies.normal_(0, 1).mul_(self.proxy_std)

    def forward(self, feats):
        return feats[-1] if isinstance(feats, (tuple, list)) else feats

    @staticmethod
    def labels_of(data_samples, device=None) -> torch.Tensor:
        labels = []
        for i, ds in enumerate(data_samples):
            lab = ds.get('gt_label') if hasattr(ds, 'get') else None
            if lab is None:
                raise ValueError(f'MetricLearningHead: data sample {i} has no gt_label')
            labels.append(torch.as_tensor(lab).reshape(-1)[:1])
        return torch.cat(labels).long().to(device)

    def loss(self, feats, data_samples) -> dict:
        emb = self(feats)
        labels = self.labels_of(data_samples, emb.device)
        return self.loss_by_labels(emb, labels)

    def loss_by_labels(self, emb: torch.Tensor, labels: torch.Tensor) -> dict:
        """The loss dict for embeddings ``(B, D)`` and labels ``(B,)``."""
        out: dict[str, torch.Tensor] = {}
        for m in self.losses:
            name = 'loss_' + str(getattr(m, 'loss_name', type(m).__name__.lower()))
            key, n = name, 0
            while key in out:
                n += 1
                key = f'{name}_{n}'
            proxies = self.proxies if getattr(m, 'requires_proxies', False) else None
            out[key] = m(emb, labels, proxies=proxies) if proxies is not None else m(emb, labels)
        return out


@MODELS.register_module()
class EmbeddingRetriever(ImageToImageRetriever):
    """mmpretrain ``ImageToImageRetriever`` for deep metric learning.

    Args:
        image_encoder: Backbone + neck (a list of configs is built as ``nn.Sequential``); its
            output is ``(B, D)`` or a tuple ending with it.
        head: :class:`MetricLearningHead` config (needed for training).
        prototype: Optional, as in mmpretrain (a gallery to match against in ``predict``);
            ``None``: ``predict`` only attaches the embeddings.
        data_preprocessor: mmpretrain ``ClsDataPreprocessor`` settings (mean / std / to_rgb).

    ``predict`` sets ``data_sample.embedding`` ``(D,)`` (float32, on the model's device) on
    every sample; ``forward(mode='tensor')`` returns the encoder output.
    """

    def __init__(self, image_encoder, head: dict | None = None, prototype=None,
                 data_preprocessor: dict | None = None, train_cfg: dict | None = None,
                 topk: int = -1, init_cfg: dict | None = None, **kwargs):
        self._has_prototype = prototype is not None
        super().__init__(image_encoder=image_encoder,
                         prototype=prototype if prototype is not None else torch.zeros(0, 1),
                         head=head, data_preprocessor=data_preprocessor, train_cfg=train_cfg,
                         topk=topk, init_cfg=init_cfg, **kwargs)
        # apply the backbone's norm_eval now: a freshly built nn.Module is in training mode
        # without train() having been called, so frozen BN layers would use batch statistics
        # until the runner calls model.train()
        self.train(self.training)

    def embed(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(B, D)`` embeddings of a preprocessed image batch."""
        feats = self.extract_feat(inputs)
        return feats[-1] if isinstance(feats, (tuple, list)) else feats

    def predict(self, inputs, data_samples=None, **kwargs):
        from mmpretrain.structures import DataSample
        emb = self.embed(inputs)
        if self._has_prototype:
            if not self.prototype_inited:
                self.prepare_prototype()
            data_samples = self._get_predictions(self.matching(emb), data_samples)
        elif data_samples is None:
            data_samples = [DataSample() for _ in range(emb.shape[0])]
        for ds, e in zip(data_samples, emb):
            ds.set_field(e.detach().float(), 'embedding', field_type='data')
        return data_samples

