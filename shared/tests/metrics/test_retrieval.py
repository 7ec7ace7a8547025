"""Retrieval metrics against pytorch-metric-learning's AccuracyCalculator (R@1, MAP@R, NMI),
scikit-learn (ndcg_score, normalized_mutual_info_score)
and brute-force loops (query / gallery) and hand-made cases; faiss and torch kNN agree; errors."""
import numpy as np
import pytest
import torch
from cvshared.metrics.retrieval import (
    ContinuousNDCGMetric,
    DMLRetrievalMetric,
    continuous_ndcg_at_k,
    faiss_available,
    iter_knn,
    knn_search,
    map_at_r,
    nmi_score,
    recall_at_k,
    retrieval_scores,
)
from mmengine.evaluator import Evaluator

BACKENDS = ['torch'] + (['faiss'] if faiss_available() else [])


def _random_set(seed, n_classes=15, per=(2, 9), d=8, spread=1.0):
    rng = np.random.default_rng(seed)
    counts = rng.integers(per[0], per[1], n_classes)
    labels = np.repeat(np.arange(n_classes), counts)
    centres = rng.normal(0, 1, (n_classes, d))
    x = centres[labels] + spread * rng.normal(0, 1, (len(labels), d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), labels


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('metric', ['l2', 'ip', 'cosine'])
def test_knn_matches_brute_force(backend, metric):
    rng = np.random.default_rng(0)
    q, g = rng.normal(size=(37, 6)).astype(np.float32), rng.normal(size=(53, 6)).astype(np.float32)
    scores, idx = knn_search(q, g, 5, metric=metric, backend=backend, chunk_size=8)
    if metric == 'l2':
        full = ((q[:, None] - g[None]) ** 2).sum(-1)
        want = np.argsort(full, axis=1)[:, :5]
        np.testing.assert_allclose(scores, np.take_along_axis(full, want, 1), rtol=1e-4,
                                   atol=1e-4)
    else:
        if metric == 'cosine':
            q = q / np.linalg.norm(q, axis=1, keepdims=True)
            g = g / np.linalg.norm(g, axis=1, keepdims=True)
        want = np.argsort(-(q @ g.T), axis=1)[:, :5]
    np.testing.assert_array_equal(idx, want)


@pytest.mark.parametrize('backend', BACKENDS)
def test_leave_one_out_removes_the_query_only(backend):
    x = np.array([[0.0], [0.0], [1.0], [3.0]], np.float32)  # items 0 and 1 are duplicates
    _, idx = knn_search(x, None, 2, exclude_self=True, backend=backend)
    assert idx[0, 0] == 1 and idx[1, 0] == 0  # the duplicate is a neighbour, the query is not
    assert (idx != np.arange(4)[:, None]).all()
    np.testing.assert_array_equal(idx[3], [2, 0] if idx[3, 1] == 0 else [2, 1])


@pytest.mark.parametrize('backend', BACKENDS)
def test_blocks_of_queries_equal_one_search(backend, monkeypatch):
    x, y = _random_set(5)
    _, whole = knn_search(x, None, 6, exclude_self=True, backend=backend)
    parts = list(iter_knn(x, None, 6, exclude_self=True, backend=backend, block=7))
    assert [p[0] for p in parts] == list(range(0, len(x), 7))
    np.testing.assert_array_equal(np.concatenate([p[2] for p in parts]), whole)
    # retrieval_scores by blocks of 7 queries gives the one-block figures
    want = retrieval_scores(x, y, topk=(1, 3), backend=backend)
    import cvshared.metrics.retrieval as mod
    real = mod.iter_knn
    monkeypatch.setattr(mod, 'iter_knn', lambda *a, **kw: real(*a, block=7, **kw))
    got = retrieval_scores(x, y, topk=(1, 3), backend=backend)
    assert got['Recall@1'] == pytest.approx(want['Recall@1'], abs=1e-12)
    assert got['MAP@R'] == pytest.approx(want['MAP@R'], abs=1e-12)


def test_k_larger_than_gallery_is_a_clear_error():
    x = np.zeros((5, 3), np.float32)
    with pytest.raises(ValueError, match='k=5 but the gallery has 4 item.*besides the query'):
        knn_search(x, None, 5, exclude_self=True)
    with pytest.raises(ValueError, match=r'K=8 is larger than the gallery \(4 items besides'):
        retrieval_scores(x, np.array([0, 0, 1, 1, 1]), topk=(1, 8))
    mask = np.array([1, 1, 0, 0, 0], bool)
    with pytest.raises(ValueError, match=r'K=4 is larger than the gallery \(3 items\)'):
        retrieval_scores(x, np.array([0, 1, 0, 1, 1]), mask, topk=(4, ))


def test_hand_made_recall_and_map_at_r():
    # labels of the ranked neighbours of 3 queries
    nn = np.array([[0, 1, 0, 0], [1, 1, 0, 0], [2, 2, 2, 2]])
    q = np.array([0, 0, 1])
    # q0 hit at rank 1, q1 at rank 3, q2 never
    assert recall_at_k(nn, q, (1, 2, 3, 4)) == {1: 1 / 3, 2: 1 / 3, 3: 2 / 3, 4: 2 / 3}
    # q0: R=3, hits at ranks 1, 3 -> (1/1 + 2/3) / 3; q1: R=2, no hits in the top 2 -> 0;
    # q2: R=0 -> left out and counted
    value, skipped = map_at_r(nn, q, [3, 2, 0])
    assert value == pytest.approx(((1 + 2 / 3) / 3 + 0) / 2) and skipped == 1


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_recall_map_nmi_equal_pml_accuracy_calculator(seed):
    ac = pytest.importorskip('pytorch_metric_learning.utils.accuracy_calculator')
    x, y = _random_set(seed)

    def sk_kmeans(emb, n):
        from sklearn.cluster import KMeans
        return KMeans(n_clusters=n, n_init=1, random_state=0).fit_predict(emb.cpu().numpy())

    calc = ac.AccuracyCalculator(include=('precision_at_1', 'mean_average_precision_at_r',
                                          'NMI'), k='max_bin_count', kmeans_func=sk_kmeans)
    ref = calc.get_accuracy(torch.from_numpy(x), torch.from_numpy(y))
    ours = retrieval_scores(x, y, topk=(1, 2), with_nmi=True, nmi_seed=0, backend='torch')
    assert ours['Recall@1'] == pytest.approx(ref['precision_at_1'], abs=1e-9)
    assert ours['MAP@R'] == pytest.approx(ref['mean_average_precision_at_r'], abs=1e-9)
    assert ours['NMI'] == pytest.approx(ref['NMI'], abs=1e-9)
    assert 0.05 < ours['Recall@1'] < 0.99  # a non-trivial case


def test_query_gallery_equals_pml_with_a_separate_reference():
    ac = pytest.importorskip('pytorch_metric_learning.utils.accuracy_calculator')
    x, y = _random_set(6, n_classes=20, per=(3, 8))
    mask = np.zeros(len(y), bool)
    for c in np.unique(y):
        mask[np.flatnonzero(y == c)[:2]] = True  # two queries per item, the rest gallery
    calc = ac.AccuracyCalculator(include=('precision_at_1', 'mean_average_precision_at_r'),
                                 k='max_bin_count')
    t = torch.from_numpy
    ref = calc.get_accuracy(t(x[mask]), t(y[mask]), t(x[~mask]), t(y[~mask]),
                            ref_includes_query=False)
    ours = retrieval_scores(x, y, mask, topk=(1, ))
    assert ours['Recall@1'] == pytest.approx(ref['precision_at_1'], abs=1e-9)
    assert ours['MAP@R'] == pytest.approx(ref['mean_average_precision_at_r'], abs=1e-9)
    assert 0.05 < ours['Recall@1'] < 0.99


def test_query_gallery_recall_equals_a_brute_force_loop():
    # (mmpretrain 1.2.0's RetrievalRecall.calculate would be the library oracle, but it calls
    # np.in1d, which numpy 2.4 removed: AttributeError in this environment)
    rng = np.random.default_rng(3)
    x, y = _random_set(3, n_classes=12, per=(3, 7))
    mask = np.zeros(len(y), bool)
    for c in np.unique(y):  # the first image of each item is a query
        mask[np.flatnonzero(y == c)[0]] = True
    mask[rng.choice(np.flatnonzero(~mask), 3, replace=False)] = True
    ours = retrieval_scores(x, y, mask, topk=(1, 2, 5), with_map_at_r=False)
    q, g, qy, gy = x[mask], x[~mask], y[mask], y[~mask]
    for k in (1, 2, 5):
        hits = 0
        for i in range(len(q)):
            order = sorted(range(len(g)), key=lambda j: float(((q[i] - g[j]) ** 2).sum()))
            hits += any(gy[j] == qy[i] for j in order[:k])
        assert ours[f'Recall@{k}'] == pytest.approx(hits / len(q))
    assert 0 < ours['Recall@1'] < 1


def test_nmi_hand_cases():
    x = np.array([[0, 0], [0.1, 0], [10, 10], [10, 10.1], [-10, 5], [-10, 5.1]], np.float32)
    assert nmi_score(x, [0, 0, 1, 1, 2, 2]) == pytest.approx(1.0)
    from sklearn.metrics import normalized_mutual_info_score
    # labels crossing the clusters: the same value as sklearn on the k-means partition
    assert nmi_score(x, [0, 1, 0, 1, 0, 1], num_clusters=3) == pytest.approx(
        normalized_mutual_info_score([0, 1, 0, 1, 0, 1], [0, 0, 1, 1, 2, 2]))


@pytest.mark.parametrize('k', [1, 3, 10])
def test_continuous_ndcg_equals_sklearn_without_ties(k):
    from sklearn.metrics import ndcg_score
    rng = np.random.default_rng(k)
    q, g = rng.normal(size=(9, 4)), rng.normal(size=(30, 4))
    dist = rng.uniform(0, 3, (9, 30))
    ours = continuous_ndcg_at_k(q, g, dist, (k, ))[k]
    emb_d = ((q[:, None] - g[None]) ** 2).sum(-1)
    ref = ndcg_score(1 / (1 + dist), -emb_d, k=k)
    assert ours == pytest.approx(ref, rel=1e-9)


def test_continuous_ndcg_hand_case_and_leave_one_out():
    # embedding order = label order -> nDCG 1; reversed order on 3 items -> hand value
    emb = np.array([[0.0], [1.0], [2.0]])
    d = np.abs(emb - emb.T)
    assert continuous_ndcg_at_k(emb, None, d, (2, ), exclude_self=True)[2] == pytest.approx(1)
    g = np.array([[1.0], [2.0], [3.0]])
    dist = np.array([[2.0, 1.0, 0.0]])  # the farthest embedding is the most relevant
    rel = 1 / (1 + np.array([2.0, 1.0, 0.0]))
    disc = 1 / np.log2(np.arange(2, 5))
    want = (rel * disc).sum() / (np.sort(rel)[::-1] * disc).sum()
    got = continuous_ndcg_at_k(np.array([[0.0]]), g, dist, (3, ))[3]
    assert got == pytest.approx(want)


def _samples(x, y, flags=None):
    out = []
    for i in range(len(y)):
        s = dict(embedding=torch.from_numpy(x[i]), gt_label=torch.tensor([int(y[i])]))
        if flags is not None:
            s['is_query'] = bool(flags[i])
        out.append(s)
    return out


def test_mmengine_metric_leave_one_out_and_query_gallery():
    x, y = _random_set(4)
    ev = Evaluator(DMLRetrievalMetric(topk=(1, 4), nmi=True, prefix='cub'))
    ev.process(_samples(x, y)[:10])
    ev.process(_samples(x, y)[10:])
    res = ev.evaluate(len(y))
    want = retrieval_scores(x, y, topk=(1, 4), with_nmi=True)
    assert res == {f'cub/{k}': v for k, v in want.items()}
    mask = np.arange(len(y)) % 3 == 0
    ev = Evaluator(DMLRetrievalMetric(topk=(1, 2)))
    ev.process(_samples(x, y, mask))
    res = ev.evaluate(len(y))
    assert res['retrieval/Recall@1'] == retrieval_scores(x, y, mask, (1, 2))['Recall@1']
    ev = Evaluator(DMLRetrievalMetric(mode='query_gallery'))
    ev.process(_samples(x, y))
    with pytest.raises(KeyError, match='is_query'):
        ev.evaluate(len(y))


def test_ndcg_metric_uses_euclidean_label_distance():
    rng = np.random.default_rng(0)
    x, vec = rng.normal(size=(12, 3)).astype(np.float32), rng.normal(size=(12, 5))
    ev = Evaluator(ContinuousNDCGMetric(topk=(2, 5)))
    ev.process([dict(embedding=torch.from_numpy(a), label_vec=torch.from_numpy(b))
                for a, b in zip(x, vec)])
    res = ev.evaluate(12)
    d = np.linalg.norm(vec[:, None] - vec[None], axis=-1)
    want = continuous_ndcg_at_k(x, None, d, (2, 5), exclude_self=True)
    assert res['retrieval/nDCG@5'] == pytest.approx(want[5])
    assert res['retrieval/nDCG@2'] == pytest.approx(want[2])
