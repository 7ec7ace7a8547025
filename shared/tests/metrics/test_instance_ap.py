"""VOC instance AP (chainercv's eval_instance_segmentation_voc) on hand-computed cases."""
import cvshared  # noqa: F401
import numpy as np
import pytest
import torch
from cvshared.metrics.instance_ap import (
    VOCInstanceAPMetric,
    eval_instance_segmentation_voc,
    mask_iou,
)

W = 10


def cols(a, b):
    """A 1 x W mask covering columns a..b (inclusive)."""
    m = np.zeros((1, W), bool)
    m[0, a:b + 1] = True
    return m


def stack(*masks):
    return np.stack(masks) if masks else np.zeros((0, 1, W), bool)


def _case():
    """Image 0, class 0: two instances; a duplicate that must not fall back to the free one,
    then a hit with IoU 3/5. Image 1: class 1 with IoU exactly 7/10, class 2 only predicted,
    class 3 never predicted."""
    img0 = dict(pm=stack(cols(0, 4), cols(0, 3), cols(5, 7)), pl=np.array([0, 0, 0]),
                ps=np.array([0.9, 0.8, 0.7]), gm=stack(cols(0, 4), cols(5, 9)),
                gl=np.array([0, 0]))
    img1 = dict(pm=stack(cols(0, 9), cols(0, 2)), pl=np.array([1, 2]), ps=np.array([0.5, 0.4]),
                gm=stack(cols(0, 6), cols(8, 9)), gl=np.array([1, 3]))
    return [img0, img1]


def _eval(images, **kw):
    return eval_instance_segmentation_voc(*[[im[k] for im in images]
                                            for k in ('pm', 'pl', 'ps', 'gm', 'gl')], **kw)


def test_mask_iou_float32():
    iou = mask_iou(stack(cols(0, 9)), stack(cols(0, 6), cols(7, 9)))
    assert iou.dtype == np.float32
    np.testing.assert_array_equal(iou, np.float32([[0.7, 0.3]]))


def test_hand_computed_ap_at_05_and_07():
    # class 0 ranked: TP (IoU 1), FP (IoU 0.8 but its instance is taken), TP (IoU 0.6)
    # prec 1, 1/2, 2/3; rec 1/2, 1/2, 1 -> envelope 1 on [0, .5], 2/3 on [.5, 1]
    ap0 = 0.5 * 1 + 0.5 * 2 / 3
    r5 = _eval(_case(), iou_thresh=0.5)
    np.testing.assert_allclose(r5['ap'], [ap0, 1.0, np.nan, 0.0], equal_nan=True)
    assert r5['map'] == pytest.approx((ap0 + 1 + 0) / 3)
    # at 0.7 the IoU-0.6 hit is a FP: TP, FP, FP -> AP 1/2; the IoU of exactly 7/10 passes
    # (float32 comparison, as chainercv)
    r7 = _eval(_case(), iou_thresh=0.7)
    np.testing.assert_allclose(r7['ap'], [0.5, 1.0, np.nan, 0.0], equal_nan=True)
    assert r7['map'] == pytest.approx((0.5 + 1) / 3)
    assert _eval(_case(), iou_thresh=0.71)['ap'][1] == 0
    # 11-point VOC07: recall thresholds 0..0.5 -> precision 1, 0.6..1.0 -> 2/3
    r07 = _eval(_case(), iou_thresh=0.5, use_07_metric=True)
    assert r07['ap'][0] == pytest.approx((6 * 1 + 5 * 2 / 3) / 11)
    assert r07['ap'][1] == pytest.approx(1.0)
    padded = _eval(_case(), num_classes=20)
    assert len(padded['ap']) == 20 and padded['map'] == pytest.approx(r5['map'])


def test_ranking_across_images_and_precision_envelope():
    # scores .9 (FP, image b), .6 (TP, image a), .3 (TP, image b): prec 0, 1/2, 2/3,
    # rec 0, 1/2, 1; the envelope lifts the first half to 2/3 -> AP 2/3 (not 1/3 + 1/3 * ...)
    a = dict(pm=stack(cols(0, 4)), pl=np.array([0]), ps=np.array([0.6]), gm=stack(cols(0, 4)),
             gl=np.array([0]))
    b = dict(pm=stack(cols(0, 2), cols(5, 9)), pl=np.array([0, 0]), ps=np.array([0.9, 0.3]),
             gm=stack(cols(5, 9)), gl=np.array([0]))
    r = _eval([a, b])
    assert r['ap'][0] == pytest.approx(2 / 3)
    # swapping the scores of the two image-b predictions ranks the TP first: AP 1
    b2 = dict(b, ps=np.array([0.3, 0.9]))
    assert _eval([a, b2])['ap'][0] == pytest.approx(1.0)


def test_metric_on_data_samples_in_percent():
    metric = VOCInstanceAPMetric()
    samples = [dict(pred_instances=dict(masks=torch.from_numpy(im['pm']),
                                        labels=torch.from_numpy(im['pl']),
                                        scores=torch.from_numpy(im['ps'])),
                    gt_instances=dict(masks=torch.from_numpy(im['gm']),
                                      labels=torch.from_numpy(im['gl'])))
               for im in _case()]
    metric.process({}, samples)
    ap0 = 0.5 + 0.5 * 2 / 3
    assert metric.compute_metrics(metric.results) == {
        'mAP@0.5': round(100 * (ap0 + 1) / 3, 2), 'mAP@0.7': round(100 * 1.5 / 3, 2)}


def test_count_mismatch_is_an_error():
    im = _case()[0]
    with pytest.raises(ValueError, match='counts differ'):
        eval_instance_segmentation_voc([im['pm']], [im['pl'][:2]], [im['ps']], [im['gm']],
                                       [im['gl']])
