"""The pose-retrieval evaluation exactly as the official ``utils.py::eval_retrieval`` defines
it: the first ``num_query`` test images (1,919) query the others (the gallery); the
embedding distance is squared Euclidean; the label distances are ``dist_pose_val``.

* Mean label distance at K = 1..10 (``pose/mean_dist@K``): the mean over queries of the
  cumulative mean label distance of the top-K retrieved, times ``dist_scale`` (224 / 288:
  distances of the 288-pixel images expressed in the 224-pixel crop).
* Continuous nDCG@K, K = 10, 20, .., 100 (``pose/ndcg@K``): relevance ``2^-log2(1 + d) =
  1 / (1 + d)`` (unscaled d), discount ``1 / log2(r + 1)`` for rank r = 1..K, normalised by
  the DCG of the gallery sorted by label distance.

The same nDCG as ``cvshared.metrics.retrieval.continuous_ndcg_at_k`` (tested equal).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from ..datasets.pose import image_list, load_val_distances
from ..registry import METRICS

MEAN_DIST_KS = tuple(range(1, 11))
NDCG_KS = tuple(range(10, 110, 10))


def pose_retrieval_scores(embed, label_dist, num_query: int = 1919,
                          mean_dist_ks: Sequence[int] = MEAN_DIST_KS,
                          ndcg_ks: Sequence[int] = NDCG_KS,
                          dist_scale: float = 224 / 288) -> dict:
    """``{'mean_dist@K': .., 'ndcg@K': ..}`` of ``embed`` (N, D) against ``label_dist``
    (N, N), the official protocol (module docstring)."""
    embed = torch.as_tensor(np.asarray(embed), dtype=torch.float64)
    label_dist = np.asarray(label_dist, dtype=np.float64)
    n = embed.shape[0]
    if label_dist.shape != (n, n):
        raise ValueError(f'label distances {label_dist.shape} do not match the {n} embedded '
                         f'test images')
    gallery = n - num_query
    if not 0 < num_query < n:
        raise ValueError(f'num_query must be in [1, {n - 1}] for {n} test images, got '
                         f'{num_query}')
    kmax = max(max(mean_dist_ks), max(ndcg_ks))
    if kmax > gallery:
        raise ValueError(f'K = {kmax} is larger than the gallery ({gallery} images = {n} test '
                         f'images - {num_query} queries): lower the K or num_query')
    qdist = label_dist[:num_query, num_query:]
    sq = embed.pow(2).sum(1)
    emb = (sq[:num_query, None] + sq[None, num_query:]
           - 2 * embed[:num_query] @ embed[num_query:].T).numpy()
    nn_emb = np.argsort(emb, axis=1, kind='stable')[:, :kmax]
    retrieved = np.take_along_axis(qdist, nn_emb, axis=1)
    out = {}
    cum = np.cumsum(retrieved[:, :max(mean_dist_ks)], axis=1)
    for k in mean_dist_ks:
        out[f'mean_dist@{k}'] = float((cum[:, k - 1] / k).mean() * dist_scale)
    rel_retrieved = 1.0 / (1.0 + retrieved)
    rel_ideal = 1.0 / (1.0 + np.sort(qdist, axis=1)[:, :kmax])
    discount = 1.0 / np.log2(np.arange(1, kmax + 1) + 1)
    for k in ndcg_ks:
        dcg = rel_retrieved[:, :k] @ discount[:k]
        idcg = rel_ideal[:, :k] @ discount[:k]
        out[f'ndcg@{k}'] = float((dcg / idcg).mean())
    return out


@METRICS.register_module()
class PoseRetrievalMetric(BaseMetric):
    """:func:`pose_retrieval_scores` over the test set (``sample_idx`` orders the images as
    ``dist_pose_val``); keys ``pose/mean_dist@K`` and ``pose/ndcg@K``.

    Args:
        data_root: The data set root holding ``dist_pose_val.mat``.
        num_query: Queries = the first ``num_query`` test images (official: 1,919).
        dist_scale: Factor of the mean label distance (official 224 / 288).
    """

    default_prefix = 'pose'

    def __init__(self, data_root: str, num_query: int = 1919,
                 mean_dist_ks: Sequence[int] = MEAN_DIST_KS, ndcg_ks: Sequence[int] = NDCG_KS,
                 dist_scale: float = 224 / 288, collect_device='cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.data_root, self.num_query, self.dist_scale = data_root, num_query, dist_scale
        self.mean_dist_ks, self.ndcg_ks = tuple(mean_dist_ks), tuple(ndcg_ks)

    def process(self, data_batch, data_samples) -> None:
        for s in data_samples:
            self.results.append((int(s['sample_idx']), torch.as_tensor(s['embedding']).float()))

    def compute_metrics(self, results) -> dict:
        results = sorted(results, key=lambda r: r[0])
        index = [r[0] for r in results]
        num_val = len(image_list(self.data_root, 'val'))
        if index != list(range(num_val)):
            raise ValueError(f'the test set gave embeddings of {len(index)} images, but the '
                             f'val folder holds {num_val}: evaluate the whole val split, in '
                             f'order (PoseRetrievalDataset)')
        # its leading num_val x num_val block, as the official eval_retrieval slices it
        label_dist = load_val_distances(self.data_root, num_val)
        embed = torch.stack([r[1] for r in results])
        return pose_retrieval_scores(embed, label_dist, self.num_query, self.mean_dist_ks,
                                     self.ndcg_ks, self.dist_scale)
