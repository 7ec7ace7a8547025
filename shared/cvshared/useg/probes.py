"""STEGO's two evaluation probes (HP, PPAP) and the k-means baseline of the learning tests.

Both probes read the segmentation code ``[B, C, h, w]`` *detached* in training (they never train
the network) and are evaluated on the code upsampled to the label size.

* :class:`ClusterProbe` (the official ``utils/layer_utils.py::ClusterLookup``): ``K`` cluster
  centres ``c_k`` (``randn`` init). With ``s_k = cos(x, c_k)`` per pixel,

  - ``alpha=None`` (training, and evaluation without CRF): ``p = onehot(argmax_k s_k)``;
  - ``alpha=a`` (evaluation with CRF: ``a = 2``): ``p = softmax_k(a s_k)``;

  loss ``= -mean_pixels sum_k p_k s_k`` (with the one-hot ``p``: spherical k-means on the code);
  ``log_probs=True`` returns ``log_softmax_k(a s_k)`` instead of ``p`` (the CRF's unaries).
  ``K = n_classes + extra_clusters`` (0 in every official config).
* :class:`LinearProbe`: a 1 x 1 convolution ``C -> n_classes``; :func:`linear_probe_loss` is the
  official ``LinearLoss``: logits upsampled to the label size (bilinear, ``align_corners=False``),
  cross-entropy over the pixels whose label is in ``0..n_classes-1`` (ignore 255 and the
  official -1 drop out).
* :func:`kmeans_baseline`: scikit-learn ``KMeans`` on L2-normalised per-patch features (the
  raw DINO features in the learning tests), labels ``[B, h, w]``.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.registry import MODELS
from torch import Tensor, nn

__all__ = ['ClusterProbe', 'LinearProbe', 'linear_probe_loss', 'kmeans_baseline']


@MODELS.register_module()
class ClusterProbe(nn.Module):
    """Cosine cluster lookup (module docstring). Args: dim (code channels), n_clusters."""

    def __init__(self, dim: int, n_clusters: int):
        super().__init__()
        if dim < 1 or n_clusters < 2:
            raise ValueError(f'ClusterProbe: needs dim >= 1 and n_clusters >= 2, got {dim}, '
                             f'{n_clusters}')
        self.clusters = nn.Parameter(torch.randn(n_clusters, dim))

    def similarity(self, x: Tensor) -> Tensor:
        """``[B, K, h, w]`` cosine of each pixel's code with each centre."""
        if x.dim() != 4 or x.shape[1] != self.clusters.shape[1]:
            raise ValueError(f'ClusterProbe: code must be B x {self.clusters.shape[1]} x h x w, '
                             f'got {tuple(x.shape)}')
        return torch.einsum('bchw,kc->bkhw', F.normalize(x, dim=1),
                            F.normalize(self.clusters, dim=1))

    def forward(self, x: Tensor, alpha: float | None = None,
                log_probs: bool = False) -> tuple[Tensor, Tensor]:
        inner = self.similarity(x)
        if alpha is None:
            probs = F.one_hot(inner.argmax(1), inner.shape[1]).permute(0, 3, 1, 2).to(inner)
        else:
            probs = torch.softmax(inner * alpha, dim=1)
        loss = -(probs * inner).sum(1).mean()
        if log_probs:
            if alpha is None:
                raise ValueError('ClusterProbe: log_probs needs alpha (the official uses 2)')
            return loss, torch.log_softmax(inner * alpha, dim=1)
        return loss, probs


@MODELS.register_module()
class LinearProbe(nn.Conv2d):
    """``nn.Conv2d(dim, n_classes, 1)``: STEGO's linear probe."""

    def __init__(self, dim: int, n_classes: int):
        super().__init__(dim, n_classes, 1)


def linear_probe_loss(logits: Tensor, label: Tensor) -> Tensor:
    """Official ``LinearLoss``: ``logits [B, K, h, w]``, ``label [B, H, W]`` (ids ``0..K-1``;
    anything else is ignored). A batch without a valid pixel gives 0 (the official: NaN)."""
    n = logits.shape[1]
    if label.dim() == 4:
        label = label[:, 0]
    up = F.interpolate(logits, label.shape[-2:], mode='bilinear', align_corners=False)
    flat = label.reshape(-1).long()
    keep = (flat >= 0) & (flat < n)
    if not keep.any():
        return up.sum() * 0
    return F.cross_entropy(up.permute(0, 2, 3, 1).reshape(-1, n)[keep], flat[keep])


def kmeans_baseline(feat: Tensor, n_clusters: int, seed: int = 0, n_init: int = 10) -> Tensor:
    """``[B, h, w]`` k-means cluster ids of the L2-normalised features ``feat [B, D, h, w]``
    (scikit-learn ``KMeans``, ``random_state=seed``)."""
    from sklearn.cluster import KMeans

    b, d, h, w = feat.shape
    x = F.normalize(feat.detach().float(), dim=1).permute(0, 2, 3, 1).reshape(-1, d)
    km = KMeans(n_clusters=n_clusters, n_init=n_init, random_state=seed).fit(x.cpu().numpy())
    return torch.from_numpy(km.labels_.astype(np.int64)).reshape(b, h, w)
