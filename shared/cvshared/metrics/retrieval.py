"""Retrieval metrics of deep metric learning, as functions and mmengine metrics (root
``METRICS``). All values are **fractions** in [0, 1] (``PaperSpec.metric_scale = 100`` prints
the papers' percentages).

Protocols
---------
* **leave-one-out** (CUB, Cars, SOP; ``mode='leave_one_out'``): every test image is a query
  and the gallery is all *other* test images (the query itself is removed from its neighbour
  list by index, so a duplicate image still counts as a neighbour).
* **query / gallery** (In-Shop; ``mode='query_gallery'``): samples with ``is_query`` True are
  queries, the others the gallery. ``mode='auto'`` picks this one when the samples carry
  ``is_query``.

Definitions (``q`` a query, ``N_k(q)`` its k nearest gallery items, best first)
-------------------------------------------------------------------------------
* ``Recall@K`` = mean over queries of ``1[some item of N_K(q) has q's label]`` (the DML papers'
  Recall@K; PML's ``precision_at_1`` for K = 1).
* ``MAP@R`` (Musgrave et al. 2020): ``R`` = number of gallery items with q's label;
  ``AP@R(q) = (1/R) sum_{i=1..R} P@i * rel_i`` over ``N_R(q)``; mean over queries. A query with
  ``R = 0`` (its class has no other image) has no defined value: it is left out of the mean and
  counted in ``MAP@R_skipped`` (never silently).
* ``NMI``: scikit-learn ``KMeans(n_clusters = number of classes, n_init, random_state=seed)``
  on the embeddings, then ``normalized_mutual_info_score(labels, clusters)`` (arithmetic mean
  normalisation, as PML). The official codes use faiss k-means; the cluster assignment (and so
  NMI) depends on the k-means implementation and seed.
* continuous ``nDCG@K`` (log-ratio paper): relevance ``rel = 1 / (1 + d_label)``,
  ``DCG@K = sum_{r=1..K} rel_(r) / log2(r + 1)`` over the K nearest in embedding space,
  ``IDCG@K`` the same with the gallery sorted by relevance; ``nDCG = DCG / IDCG`` averaged over
  queries. Ties in the embedding distance keep the order of the kNN search (with continuous
  embeddings ties have probability 0); scikit-learn's ``ndcg_score`` averages tied gains
  instead, which is the only difference (tested equal without ties).

Nearest neighbours
------------------
:func:`knn_search` uses faiss-cpu (``IndexFlatL2`` / ``IndexFlatIP``, exact) when it is
importable, else torch (query chunks of ``chunk_size`` against the whole gallery). Distance
``'l2'`` (squared Euclidean, ascending) is the default; ``'cosine'`` normalises both sides and
uses the inner product. For L2-normalised embeddings both give the same ranking. A K larger
than the gallery (minus the query itself) is a ``ValueError``.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS

__all__ = ['knn_search', 'iter_knn', 'recall_at_k', 'map_at_r', 'nmi_score', 'continuous_ndcg_at_k',
           'retrieval_scores', 'faiss_available', 'DMLRetrievalMetric', 'ContinuousNDCGMetric']


def faiss_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def _f32(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().float().cpu().numpy()
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32))


def _labels(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x).reshape(-1)


def knn_search(query, gallery=None, k: int = 1, metric: str = 'l2', exclude_self: bool = False,
               backend: str = 'auto', chunk_size: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest gallery items of every query, best first.

    Args:
        query: ``(Q, D)`` array / tensor.
        gallery: ``(G, D)``; ``None`` = the queries themselves.
        k: Neighbours per query.
        metric: ``'l2'`` (squared Euclidean, ascending), ``'ip'`` (inner product, descending)
            or ``'cosine'`` (``'ip'`` on L2-normalised copies).
        exclude_self: Query ``i`` is gallery item ``i`` (``gallery=None``): remove it.
        backend: ``'auto'`` (faiss if importable, else torch), ``'faiss'`` or ``'torch'``.
        chunk_size: Queries per block of the torch search.

    Returns:
        ``(scores, indices)``, both ``(Q, k)``: float32 distances (``'l2'``) or similarities,
        int64 gallery indices.
    """
    blocks = list(iter_knn(query, gallery, k, metric, exclude_self, backend, chunk_size,
                           block=None))
    return blocks[0][1], blocks[0][2]


def iter_knn(query, gallery=None, k: int = 1, metric: str = 'l2', exclude_self: bool = False,
             backend: str = 'auto', chunk_size: int = 2048, block: int | None = 8192):
    """:func:`knn_search` by blocks of ``block`` queries (``None``: one block), yielding
    ``(start, scores, indices)``, so that a large ``k`` (SOP's Recall@1000) never holds the
    ``(Q, k)`` arrays of every query at once."""
    q = _f32(query)
    g = q if gallery is None else _f32(gallery)
    if q.ndim != 2 or g.ndim != 2 or q.shape[1] != g.shape[1]:
        raise ValueError(f'knn_search: query (Q, D) and gallery (G, D) must share D, got '
                         f'{q.shape} and {g.shape}')
    if metric not in ('l2', 'ip', 'cosine'):
        raise ValueError(f"knn_search: metric must be 'l2', 'ip' or 'cosine', got {metric!r}")
    if exclude_self and gallery is not None:
        raise ValueError('knn_search: exclude_self needs gallery=None (the gallery is the '
                         'queries)')
    available = g.shape[0] - int(exclude_self)
    if k < 1 or k > available:
        raise ValueError(
            f'knn_search: k={k} but the gallery has {available} item(s)'
            f'{" besides the query itself" if exclude_self else ""}; a K larger than the '
            f'gallery is undefined: lower K (e.g. topk) or use a larger test set')
    if backend == 'auto':
        backend = 'faiss' if faiss_available() else 'torch'
    if backend not in ('faiss', 'torch'):
        raise ValueError(f"knn_search: backend must be 'auto', 'faiss' or 'torch', got "
                         f'{backend!r}')
    if metric == 'cosine':
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        g = q if gallery is None else g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True),
                                                     1e-12)
        metric = 'ip'
    kk = k + int(exclude_self)
    index = None
    if backend == 'faiss':
        import faiss
        index = faiss.IndexFlatL2(g.shape[1]) if metric == 'l2' else faiss.IndexFlatIP(g.shape[1])
        index.add(g)
    step = q.shape[0] if block is None else int(block)
    for start in range(0, q.shape[0], max(step, 1)):
        qb = q[start:start + step]
        if index is not None:
            scores, idx = index.search(qb, kk)
        else:
            scores, idx = _torch_knn(qb, g, kk, metric, chunk_size)
        idx = idx.astype(np.int64)
        if exclude_self:
            is_self = idx == (start + np.arange(idx.shape[0]))[:, None]
            # a query missing from its k + 1 neighbours (exact duplicates): drop the last one
            is_self[~is_self.any(axis=1), -1] = True
            keep = ~is_self
            scores, idx = scores[keep].reshape(-1, k), idx[keep].reshape(-1, k)
        yield start, scores.astype(np.float32), idx


def _torch_knn(q: np.ndarray, g: np.ndarray, k: int, metric: str, chunk_size: int):
    qt, gt = torch.from_numpy(q), torch.from_numpy(g)
    g_sq = (gt * gt).sum(1)
    out_s, out_i = [], []
    for s in range(0, qt.shape[0], chunk_size):
        block = qt[s:s + chunk_size]
        ip = block @ gt.t()
        if metric == 'l2':
            d = (block * block).sum(1, keepdim=True) - 2 * ip + g_sq[None]
            val, ind = torch.topk(d, k, dim=1, largest=False, sorted=True)
        else:
            val, ind = torch.topk(ip, k, dim=1, largest=True, sorted=True)
        out_s.append(val)
        out_i.append(ind)
    return torch.cat(out_s).numpy(), torch.cat(out_i).numpy()


def recall_at_k(nn_labels: np.ndarray, query_labels, ks: Sequence[int]) -> dict[int, float]:
    """Recall@K from the labels of the neighbours ``(Q, >= max K)``, best first."""
    nn_labels = np.asarray(nn_labels)
    ql = _labels(query_labels)
    if max(ks) > nn_labels.shape[1]:
        raise ValueError(f'recall_at_k: K={max(ks)} but only {nn_labels.shape[1]} neighbours')
    hit = nn_labels == ql[:, None]
    return {int(k): float(hit[:, :k].any(axis=1).mean()) for k in ks}


def map_at_r(nn_labels: np.ndarray, query_labels, num_relevant) -> tuple[float, int]:
    """(MAP@R, number of queries left out because R = 0); ``nn_labels`` ``(Q, >= max R)``."""
    nn_labels = np.asarray(nn_labels)
    ql = _labels(query_labels)
    r = np.asarray(num_relevant).reshape(-1)
    if r.max(initial=0) > nn_labels.shape[1]:
        raise ValueError(f'map_at_r: R up to {r.max()} needs that many neighbours, got '
                         f'{nn_labels.shape[1]}')
    valid = r > 0
    width = int(r.max(initial=0))
    if not valid.any():
        return float('nan'), int((~valid).sum())
    rel = (nn_labels[:, :width] == ql[:, None])
    rel &= np.arange(width)[None] < r[:, None]
    prec = np.cumsum(rel, axis=1) / np.arange(1, width + 1)[None]
    ap = (prec * rel).sum(axis=1)[valid] / r[valid]
    return float(ap.mean()), int((~valid).sum())


def nmi_score(embeddings, labels, num_clusters: int | None = None, seed: int = 0,
              n_init: int = 1) -> float:
    """NMI of scikit-learn k-means clusters (``num_clusters`` default: number of labels)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score
    x, y = _f32(embeddings), _labels(labels)
    n = num_clusters or len(np.unique(y))
    clusters = KMeans(n_clusters=n, n_init=n_init, random_state=seed).fit_predict(x)
    return float(normalized_mutual_info_score(y, clusters))


def continuous_ndcg_at_k(query, gallery, label_distance, ks: Sequence[int],
                         exclude_self: bool = False, metric: str = 'l2',
                         backend: str = 'auto') -> dict[int, float]:
    """Continuous nDCG@K with relevance ``1 / (1 + label_distance)`` (module docstring).

    ``label_distance``: ``(Q, G)`` label distances (e.g. pose distances) between queries and
    gallery items; with ``exclude_self`` the gallery is the queries and the diagonal is ignored.
    """
    dist = np.asarray(label_distance, dtype=np.float64)
    q = _f32(query)
    g = q if gallery is None else _f32(gallery)
    if dist.shape != (q.shape[0], g.shape[0]):
        raise ValueError(f'continuous_ndcg_at_k: label_distance must be (Q, G) = '
                         f'{(q.shape[0], g.shape[0])}, got {dist.shape}')
    if (dist < 0).any():
        raise ValueError('continuous_ndcg_at_k: label distances must be >= 0')
    kmax = max(ks)
    _, idx = knn_search(q, None if gallery is None else g, kmax, metric=metric,
                        exclude_self=exclude_self, backend=backend)
    rel = 1.0 / (1.0 + dist)
    if exclude_self:
        rel = rel.copy()
        np.fill_diagonal(rel, -np.inf)
    gained = np.take_along_axis(rel, idx, axis=1)                       # (Q, kmax)
    ideal = -np.sort(-rel, axis=1)[:, :kmax]
    disc = 1.0 / np.log2(np.arange(2, kmax + 2))
    out = {}
    for k in ks:
        dcg = (gained[:, :k] * disc[:k]).sum(1)
        idcg = (ideal[:, :k] * disc[:k]).sum(1)
        out[int(k)] = float((dcg / idcg).mean())
    return out


def retrieval_scores(embeddings, labels, query_mask=None, topk: Sequence[int] = (1, 2, 4, 8),
                     with_map_at_r: bool = True, with_nmi: bool = False, metric: str = 'l2',
                     backend: str = 'auto', nmi_seed: int = 0, nmi_n_init: int = 1) -> dict:
    """Recall@K (+ MAP@R, NMI) of a test set, leave-one-out or query / gallery.

    Args:
        embeddings: ``(N, D)``; labels ``(N,)``.
        query_mask: ``None`` (leave-one-out) or a bool ``(N,)``: queries True, gallery False.

    Returns: ``{'Recall@K': ..., 'MAP@R': ..., 'MAP@R_skipped': n, 'NMI': ...}``.
    """
    x, y = _f32(embeddings), _labels(labels)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f'retrieval_scores: {x.shape[0]} embeddings but {y.shape[0]} labels')
    topk = tuple(int(k) for k in topk)
    if query_mask is None:
        qx, qy, gx, gy, loo = x, y, None, y, True
        _, counts = np.unique(y, return_counts=True)
        count_of = dict(zip(np.unique(y).tolist(), counts.tolist()))
        r = np.array([count_of[v] - 1 for v in y.tolist()])
    else:
        m = np.asarray(query_mask, dtype=bool).reshape(-1)
        if m.shape[0] != x.shape[0] or not m.any() or m.all():
            raise ValueError('retrieval_scores: query_mask must be (N,) with both queries and '
                             'gallery items')
        qx, qy, gx, gy, loo = x[m], y[m], x[~m], y[~m], False
        uniq, counts = np.unique(gy, return_counts=True)
        count_of = dict(zip(uniq.tolist(), counts.tolist()))
        r = np.array([count_of.get(v, 0) for v in qy.tolist()])
    kmax = max(topk + ((int(r.max()),) if with_map_at_r else ()))
    n_gallery = (gx.shape[0] if gx is not None else x.shape[0] - 1)
    if max(topk) > n_gallery:
        raise ValueError(f'Recall@K: K={max(topk)} is larger than the gallery ({n_gallery} '
                         f'items{" besides the query" if loo else ""}); lower topk')
    kmax = min(kmax, n_gallery)
    hits = {k: 0 for k in topk}
    ap_sum, skipped = 0.0, 0
    for start, _, idx in iter_knn(qx, gx, kmax, metric=metric, exclude_self=loo,
                                  backend=backend):
        nn_labels = gy[idx]
        ql = qy[start:start + len(idx)]
        for k, v in recall_at_k(nn_labels, ql, topk).items():
            hits[k] += v * len(idx)
        if with_map_at_r:
            value, skip = map_at_r(nn_labels, ql, r[start:start + len(idx)])
            if skip < len(idx):
                ap_sum += value * (len(idx) - skip)
            skipped += skip
    out = {f'Recall@{k}': hits[k] / len(qy) for k in topk}
    if with_map_at_r:
        if skipped:
            warnings.warn(f'MAP@R: {skipped} quer(y/ies) have no other image of their class and '
                          f'are left out of the mean', stacklevel=2)
        out['MAP@R'] = ap_sum / (len(qy) - skipped) if skipped < len(qy) else float('nan')
        out['MAP@R_skipped'] = skipped
    if with_nmi:
        out['NMI'] = nmi_score(x, y, seed=nmi_seed, n_init=nmi_n_init)
    return out


def _sample_value(ds, key):
    if isinstance(ds, dict):
        if key in ds:
            return ds[key]
        meta = ds.get('metainfo', {})
        return meta.get(key) if isinstance(meta, dict) else None
    return ds.get(key) if hasattr(ds, 'get') else getattr(ds, key, None)


@METRICS.register_module()
class DMLRetrievalMetric(BaseMetric):
    """Recall@K, MAP@R and NMI of the embeddings of a test set (module docstring).

    Args:
        topk: The K of Recall@K ((1, 2, 4, 8) CUB / Cars; (1, 10, 100, 1000) SOP;
            (1, 10, 20, 30, 40) In-Shop).
        mode: ``'leave_one_out'``, ``'query_gallery'`` (samples carry ``is_query``) or
            ``'auto'``.
        map_at_r, nmi: Also compute MAP@R / NMI (NMI on SOP: k-means with 11,316 clusters,
            minutes on a CPU).
        embedding_key: The data-sample field holding the ``(D,)`` embedding (set by
            :class:`cvshared.retrieval.EmbeddingRetriever`).
        metric, backend: kNN distance and search backend (:func:`knn_search`).

    Keys: ``Recall@K``, ``MAP@R``, ``MAP@R_skipped``, ``NMI`` (fractions).
    """

    default_prefix = 'retrieval'

    def __init__(self, topk: Sequence[int] = (1, 2, 4, 8), mode: str = 'auto',
                 map_at_r: bool = True, nmi: bool = False, embedding_key: str = 'embedding',
                 metric: str = 'l2', backend: str = 'auto', nmi_seed: int = 0,
                 nmi_n_init: int = 1, collect_device: str = 'cpu', prefix: str | None = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if mode not in ('auto', 'leave_one_out', 'query_gallery'):
            raise ValueError(f'DMLRetrievalMetric: mode must be auto, leave_one_out or '
                             f'query_gallery, got {mode!r}')
        self.topk = tuple(int(k) for k in topk)
        self.mode = mode
        self.with_map_at_r = map_at_r
        self.with_nmi = nmi
        self.embedding_key = embedding_key
        self.metric = metric
        self.backend = backend
        self.nmi_seed = nmi_seed
        self.nmi_n_init = nmi_n_init

    def process(self, data_batch, data_samples) -> None:
        for ds in data_samples:
            emb = _sample_value(ds, self.embedding_key)
            lab = _sample_value(ds, 'gt_label')
            if emb is None or lab is None:
                raise KeyError(f'DMLRetrievalMetric: a data sample lacks {self.embedding_key!r} or '
                               "'gt_label' (use cvshared.retrieval.EmbeddingRetriever and a "
                               'dataset with labels)')
            q = _sample_value(ds, 'is_query')
            self.results.append((_f32(emb).reshape(-1), int(_labels(lab)[0]),
                                 None if q is None else bool(q)))

    def compute_metrics(self, results: list) -> dict:
        emb = np.stack([r[0] for r in results])
        lab = np.array([r[1] for r in results])
        flags = [r[2] for r in results]
        mode = self.mode
        if mode == 'auto':
            mode = 'query_gallery' if all(f is not None for f in flags) else 'leave_one_out'
        mask = None
        if mode == 'query_gallery':
            if any(f is None for f in flags):
                raise KeyError("DMLRetrievalMetric(mode='query_gallery'): every sample needs "
                               "'is_query' (InShopRetrieval split='test' with PackInputs "
                               "algorithm_keys=('is_query',))")
            mask = np.array(flags, dtype=bool)
        return retrieval_scores(emb, lab, mask, self.topk, self.with_map_at_r, self.with_nmi,
                                self.metric, self.backend, self.nmi_seed, self.nmi_n_init)


@METRICS.register_module()
class ContinuousNDCGMetric(BaseMetric):
    """Continuous nDCG@K, leave-one-out, the label distance being the Euclidean distance
    between the samples' ``label_key`` vectors (e.g. pose joint coordinates).

    Keys ``nDCG@K``. A paper with precomputed label distances calls
    :func:`continuous_ndcg_at_k` directly.
    """

    default_prefix = 'retrieval'

    def __init__(self, topk: Sequence[int] = (10, 20, 50, 100), label_key: str = 'label_vec',
                 embedding_key: str = 'embedding', metric: str = 'l2', backend: str = 'auto',
                 collect_device: str = 'cpu', prefix: str | None = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = tuple(int(k) for k in topk)
        self.label_key = label_key
        self.embedding_key = embedding_key
        self.metric = metric
        self.backend = backend

    def process(self, data_batch, data_samples) -> None:
        for ds in data_samples:
            emb, vec = _sample_value(ds, self.embedding_key), _sample_value(ds, self.label_key)
            if emb is None or vec is None:
                raise KeyError(f'ContinuousNDCGMetric: a data sample lacks '
                               f'{self.embedding_key!r} or {self.label_key!r}')
            self.results.append((_f32(emb).reshape(-1), _f32(vec).reshape(-1)))

    def compute_metrics(self, results: list) -> dict:
        emb = np.stack([r[0] for r in results])
        vec = np.stack([r[1] for r in results]).astype(np.float64)
        sq = (vec * vec).sum(1)
        dist = np.sqrt(np.maximum(sq[:, None] + sq[None] - 2 * vec @ vec.T, 0))
        scores = continuous_ndcg_at_k(emb, None, dist, self.topk, exclude_self=True,
                                      metric=self.metric, backend=self.backend)
        return {f'nDCG@{k}': v for k, v in scores.items()}
