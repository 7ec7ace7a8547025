"""Tests of the Hungarian-matched unsupervised segmentation metric (metrics.unsupervised_seg)."""
import itertools

import numpy as np
import pytest
import torch
from cvshared.metrics.unsupervised_seg import (
    UnsupervisedSegMetric,
    cluster_confusion,
    hungarian_assignment,
    unsupervised_scores,
)
from sklearn.metrics import accuracy_score, jaccard_score


def _maps(seed, n_classes=4, n_clusters=None, shape=(3, 17, 19)):
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, n_classes, shape)
    # a noisy permuted copy, so the best matching is not the identity and not unique by luck
    perm = rng.permutation(n_clusters or n_classes)
    pred = perm[gt]
    noise = rng.random(shape) < 0.35
    pred[noise] = rng.integers(0, n_clusters or n_classes, noise.sum())
    gt[rng.random(shape) < 0.1] = 255                       # ignored pixels
    gt[0, 0, :3] = -1
    return pred, gt


def _brute(pred, gt, n_classes, n_clusters):
    """Search every cluster -> class injection; score the best one pixel by pixel."""
    valid = (gt >= 0) & (gt < n_classes)
    p, g = pred[valid], gt[valid]
    best = None
    for classes in itertools.permutations(range(n_clusters), n_classes):
        # classes[c] = the cluster matched to class c
        matched = sum(int(((p == k) & (g == c)).sum()) for c, k in enumerate(classes))
        if best is None or matched > best[0]:
            best = (matched, classes)
    _, classes = best
    mapped = np.full(p.shape, -1)
    for c, k in enumerate(classes):
        mapped[p == k] = c
    ious = []
    for c in range(n_classes):
        inter = ((mapped == c) & (g == c)).sum()
        union = ((mapped == c) | (g == c)).sum()
        ious.append(inter / union if union else np.nan)
    return 100 * (mapped == g).mean(), 100 * np.nanmean(ious)


@pytest.mark.parametrize('seed,n_clusters', [(0, 4), (1, 4), (2, 5), (3, 6)])
def test_hungarian_scores_equal_a_search_over_all_matchings(seed, n_clusters):
    pred, gt = _maps(seed, 4, n_clusters)
    scores = unsupervised_scores(cluster_confusion(pred, gt, 4, n_clusters))
    acc, miou = _brute(pred, gt, 4, n_clusters)
    assert scores['Accuracy'] == pytest.approx(acc, abs=1e-9)
    assert scores['mIoU'] == pytest.approx(miou, abs=1e-9)
    assert 40 < acc < 95                                    # a matching matters here


def test_linear_probe_scores_equal_sklearn():
    rng = np.random.default_rng(5)
    gt = rng.integers(0, 5, 2000)
    pred = np.where(rng.random(2000) < 0.6, gt, rng.integers(0, 5, 2000))
    pred[pred == 4] = 3                                     # class 4 never predicted
    scores = unsupervised_scores(cluster_confusion(pred, gt, 5), hungarian=False)
    assert scores['Accuracy'] == pytest.approx(100 * accuracy_score(gt, pred))
    iou = jaccard_score(gt, pred, average=None, labels=range(5))    # every class is in gt
    assert scores['mIoU'] == pytest.approx(100 * np.nanmean(iou))
    np.testing.assert_allclose(scores['IoU'], iou)
    # the linear probe is not re-matched: a permuted prediction scores lower
    permuted = unsupervised_scores(cluster_confusion((pred + 1) % 5, gt, 5), hungarian=False)
    assert permuted['Accuracy'] < 30 < scores['Accuracy']


def test_hand_made_case_with_an_unmatched_cluster_and_an_absent_class():
    # classes 0, 1, 2 (2 absent from both); clusters 0..3
    gt = np.array([0, 0, 0, 1, 1, 1, 255])
    pred = np.array([3, 3, 2, 1, 1, 0, 0])
    conf = cluster_confusion(pred, gt, 3, 4)
    assert conf.tolist() == [[0, 1, 0], [0, 2, 0], [1, 0, 0], [2, 0, 0]]
    s = unsupervised_scores(conf)
    assert s['assignment'].tolist()[1] == 1 and s['assignment'].tolist()[3] == 0
    # class 0: cluster 3 (2 of its 3 pixels, nothing else) -> IoU 2 / 3; class 1: cluster 1,
    # 2 of 3 -> 2 / 3; class 2: cluster 0 or 2 (whichever is left over) predicts one pixel of
    # another class: IoU 0; accuracy 4 of 6
    assert s['Accuracy'] == pytest.approx(400 / 6)
    np.testing.assert_allclose(s['IoU'], [2 / 3, 2 / 3, 0.0])


def test_metric_accumulates_samples_and_reads_seg_data_samples():
    pred, gt = _maps(4, 4)
    metric = UnsupervisedSegMetric(num_classes=4)
    metric.dataset_meta = dict(classes=('a', 'b', 'c', 'd'))
    for i in range(3):
        sample = dict(pred_sem_seg=dict(data=torch.from_numpy(pred[i][None])),
                      gt_sem_seg=dict(data=torch.from_numpy(gt[i][None])))
        metric.process(None, [sample])
    out = metric.compute_metrics(metric.results)
    acc, miou = _brute(pred, gt, 4, 4)
    assert out == pytest.approx(dict(Accuracy=acc, mIoU=miou))
    linear = UnsupervisedSegMetric(hungarian=False)
    linear.dataset_meta = dict(classes=('a', 'b', 'c', 'd'))
    linear.process(None, [dict(pred=pred, gt=gt)])
    assert linear.compute_metrics(linear.results)['Accuracy'] < out['Accuracy']


def test_bad_input():
    with pytest.raises(ValueError, match='num_clusters'):
        cluster_confusion(np.array([0, 4]), np.array([0, 1]), 4)
    with pytest.raises(ValueError, match='differ in size'):
        cluster_confusion(np.array([0, 1, 2]), np.array([0, 1]), 4)
    with pytest.raises(ValueError, match='at least as many clusters'):
        hungarian_assignment(np.ones((2, 3)))
    with pytest.raises(ValueError, match='needs num_classes'):
        UnsupervisedSegMetric().process(None, [dict(pred=np.zeros(2), gt=np.zeros(2))])
