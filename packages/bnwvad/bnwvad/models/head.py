"""BN-WVAD's normal head, the Divergence of Feature from Mean vector (DFM) and the two-level
sample selection (the paper's Sec. III-C/D; official ``NormalHead`` and
``WSAD.get_mahalanobis_distance`` / ``pos_neg_select``)."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..registry import MODELS


@MODELS.register_module()
class BnwvadNormalHead(nn.Module):
    """On ``(B, C, T)``: ``h1 = conv1(x)``, ``h2 = conv2(relu(bn1(h1)))``,
    ``s = sigmoid(conv3(relu(bn2(h2))))``. Returns the **pre-BN** features ``[h1, h2]`` and
    the scores ``(B, T)``.

    Args:
        in_channels: 512. ratios: channel reductions (16, 32) -> 32 and 16 channels.
        kernel_sizes: of conv1..3 (1, 1, 1), padding ``k // 2``.
    """

    def __init__(self, in_channels: int = 512, ratios=(16, 32), kernel_sizes=(1, 1, 1)):
        super().__init__()
        c1, c2 = in_channels // ratios[0], in_channels // ratios[1]
        k1, k2, k3 = kernel_sizes
        self.conv1 = nn.Conv1d(in_channels, c1, k1, padding=k1 // 2)
        self.bn1 = nn.BatchNorm1d(c1)
        self.conv2 = nn.Conv1d(c1, c2, k2, padding=k2 // 2)
        self.bn2 = nn.BatchNorm1d(c2)
        self.conv3 = nn.Conv1d(c2, 1, k3, padding=k3 // 2)

    @property
    def bns(self) -> tuple[nn.BatchNorm1d, nn.BatchNorm1d]:
        return self.bn1, self.bn2

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        h1 = self.conv1(x)
        h2 = self.conv2(F.relu(self.bn1(h1)))
        s = torch.sigmoid(self.conv3(F.relu(self.bn2(h2))))
        return [h1, h2], s[:, 0]


def dfm(feat: torch.Tensor, mean: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    """DFM ``sqrt(sum_c (h[c, t] - mu[c])^2 / var[c])``: ``(B, C, T)`` -> ``(B, T)``. ``mean``
    and ``var`` are a BatchNorm's running buffers, used without eps as officially."""
    return ((feat - mean[None, :, None]) ** 2 / var[None, :, None]).sum(1).sqrt()


def select_samples(feat: torch.Tensor, dist: torch.Tensor, sample_ratio: float = 0.2,
                   batch_ratio: float = 0.4) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The two-level selection of one BN layer on a batch whose first half is normal.

    ``feat (B, C, T)``, ``dist (B, T)`` (DFM). Abnormal half: a snippet is selected when it is
    among its video's top ``floor(sample_ratio * T)`` by DFM **or** among the top
    ``floor(batch_ratio * (B / 2) * T)`` of all abnormal snippets; ``N_a`` selected, in
    (video, time) order. Normal half: each normal video's top ``k = floor(N_a / (B / 2)) + 1``
    snippets by DFM, rank-major (rank 0 of every video, then rank 1, ...), truncated to
    ``N_a``. Returns ``(normal (N_a, C), abnormal (N_a, C), abnormal_mask (B / 2, T))``."""
    b, c, t = feat.shape
    half = b // 2
    nor_dist, abn_dist = dist[:half], dist[half:]
    per_video = torch.zeros_like(abn_dist, dtype=torch.bool)
    per_video.scatter_(1, abn_dist.topk(int(t * sample_ratio), dim=-1).indices, True)
    flat = abn_dist.reshape(-1)
    in_batch = torch.zeros_like(flat, dtype=torch.bool)
    in_batch.scatter_(0, flat.topk(int(half * t * batch_ratio)).indices, True)
    mask = per_video.reshape(-1) | in_batch
    abnormal = feat[half:].transpose(1, 2).reshape(-1, c)[mask]
    n_a = abnormal.shape[0]
    top = nor_dist.topk(n_a // half + 1, dim=-1).indices                      # half x k
    normal = feat[:half].transpose(1, 2).gather(1, top[..., None].expand(-1, -1, c))
    normal = normal.transpose(0, 1).reshape(-1, c)[:n_a]                      # rank-major
    return normal, abnormal, mask.view(half, t)


def mpp_loss(mean: torch.Tensor, var: torch.Tensor, normal: torch.Tensor,
             abnormal: torch.Tensor, margin: float = 1.0) -> torch.Tensor:
    """Mean-based pull-push triplet loss: ``mean_i relu(D(mu, n_i) - D(mu, a_i) + margin)``,
    ``D`` the diagonal Mahalanobis distance with ``var`` (anchor ``mu`` without gradient)."""
    def dist(x):
        return ((x - mean.detach()) ** 2 / var).sum(-1).sqrt()
    return F.relu(dist(normal) - dist(abnormal) + margin).mean()


def normal_loss(scores: torch.Tensor) -> torch.Tensor:
    """Mean over normal videos of the L2 norm of their snippet scores ``(B/2, T)``."""
    return scores.norm(p=2, dim=1).mean()
