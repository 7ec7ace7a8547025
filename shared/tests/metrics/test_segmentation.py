"""Pseudo-label mIoU: equal to mmseg's IoUMetric on the same arrays; hand-computed cases."""
import cvshared  # noqa: F401
import numpy as np
import pytest
import torch
from cvshared.metrics.segmentation import (
    PseudoLabelIoUMetric,
    evaluate_label_maps,
    segmentation_areas,
)
from mmseg.evaluation.metrics import IoUMetric


def _random_maps(seed, n=4, num_classes=6, size=(23, 31)):
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(n):
        gt = rng.integers(0, num_classes, size=size)
        gt[rng.random(size) < 0.15] = 255
        pred = np.where(rng.random(size) < 0.6, gt, rng.integers(0, num_classes, size=size))
        pred[pred == 255] = rng.integers(0, num_classes)
        pairs.append((pred, gt))
    # one class never in the ground truth nor predicted (NaN IoU), one only predicted
    for pred, gt in pairs:
        gt[gt == num_classes - 1] = 0
        pred[pred == num_classes - 1] = 0
        gt[gt == num_classes - 2] = 1
    return pairs


def _samples(pairs):
    return [dict(pred_sem_seg=dict(data=torch.from_numpy(p)[None]),
                 gt_sem_seg=dict(data=torch.from_numpy(g)[None])) for p, g in pairs]


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_equals_mmseg_iou_metric(seed):
    classes = tuple(f'c{i}' for i in range(6))
    pairs = _random_maps(seed)
    ours, ref = PseudoLabelIoUMetric(classwise=True), IoUMetric(ignore_index=255)
    for m in (ours, ref):
        m.dataset_meta = dict(classes=classes)
        m.process({}, _samples(pairs))
    ref_areas = [IoUMetric.intersect_and_union(torch.from_numpy(p), torch.from_numpy(g), 6, 255)
                 for p, g in pairs]
    ours_areas = [segmentation_areas(p, g, 6) for p, g in pairs]
    for a, b in zip(ours_areas, ref_areas):
        np.testing.assert_array_equal(a, np.stack([t.numpy() for t in b]))
    got = ours.compute_metrics(ours.results)
    want = ref.compute_metrics(ref.results)
    assert set(want) == {'aAcc', 'mIoU', 'mAcc'}
    for key in want:  # mmseg returns float32: equal once in its dtype
        assert np.float32(got[key]) == want[key], key
    # unrounded values against mmseg's own formula
    tot = [sum(r[i] for r in ref_areas) for i in range(4)]
    ref_m = IoUMetric.total_area_to_metrics(*tot, metrics=['mIoU'])
    un = evaluate_label_maps([p for p, _ in pairs], [g for _, g in pairs], 6)
    np.testing.assert_allclose(un['IoU'], ref_m['IoU'], atol=1e-6, equal_nan=True)
    assert np.isnan(un['IoU'][5]) and un['IoU'][4] == 0
    assert abs(un['mIoU'] - np.nanmean(ref_m['IoU'])) < 1e-6
    assert abs(un['aAcc'] - ref_m['aAcc']) < 1e-6
    assert got['IoU.c5'] != got['IoU.c5']  # NaN
    assert 0 < got['mIoU'] < 100


def test_hand_computed_case_and_ignore():
    gt = np.array([[0, 0, 1, 1],
                   [0, 255, 1, 2]])
    pred = np.array([[0, 1, 1, 1],
                     [255, 2, 2, 2]])
    # evaluated pixels: all but gt 255 (7). class 0: gt {(0,0),(0,1),(1,0)}, pred {(0,0)};
    # the predicted 255 at (1,0) counts in no class. inter0=1 union0=3 -> 1/3
    # class 1: gt {(0,2),(0,3),(1,2)} pred {(0,1),(0,2),(0,3)} inter 2 union 4 -> 1/2
    # class 2: gt {(1,3)} pred {(1,2),(1,3)} inter 1 union 2 -> 1/2
    r = evaluate_label_maps([pred], [gt], 3)
    np.testing.assert_allclose(r['IoU'], [1 / 3, 1 / 2, 1 / 2])
    assert r['aAcc'] == pytest.approx(4 / 7)
    # IRN's convention: predicted 255 -> background: class 0 inter 2 union 3
    r0 = evaluate_label_maps([pred], [gt], 3, pred_ignore_as=0)
    np.testing.assert_allclose(r0['IoU'], [2 / 3, 1 / 2, 1 / 2])
    m = PseudoLabelIoUMetric(num_classes=3)
    m.process({}, [dict(pred=pred, gt=gt)])
    assert m.compute_metrics(m.results)['mIoU'] == round(100 * (1 / 3 + 1 / 2 + 1 / 2) / 3, 2)


def test_size_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r'\(2, 3\).*\(2, 4\)'):
        segmentation_areas(np.zeros((2, 3)), np.zeros((2, 4)), 3)
