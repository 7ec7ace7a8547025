"""Frame-level video-anomaly metrics: hand-computed cases, sklearn, and literal re-writings of
the official post-processing (UMIL ``utils/tools.py::postpress`` / ``evaluate_result``)."""
import numpy as np
import pytest
from cvshared.metrics.video_anomaly import (
    VideoAnomalyFrameMetric,
    frame_ap,
    frame_auc,
    segment_smooth,
    snippet_to_frames,
)
from sklearn.metrics import average_precision_score, roc_auc_score

HAND_Y = [0, 1, 0, 1]
HAND_S = [0.9, 0.8, 0.7, 0.1]


def test_hand_case_auc():
    # positive 0.8 beats negative 0.7 only; positive 0.1 beats none: 1 of 4 pairs
    assert frame_auc(HAND_Y, HAND_S) == pytest.approx(0.25, abs=1e-12)


def test_hand_case_official_ap_is_the_trapezoid():
    # PR points by decreasing threshold: t=.9 (R 0, P 0), t=.8 (R .5, P .5),
    # t=.7 (R .5, P 1/3), t=.1 (R 1, P .5).
    # trapezoid: (0->.5) .5 * (0 + .5) / 2 = .125; (.5->1) .5 * (1/3 + .5) / 2 = 5/24 => 1/3
    assert frame_ap(HAND_Y, HAND_S) == pytest.approx(1 / 3, abs=1e-12)
    # step sum: .5 * .5 + 0 * 1/3 + .5 * .5 = .5
    assert frame_ap(HAND_Y, HAND_S, 'sklearn') == pytest.approx(0.5, abs=1e-12)


def test_perfect_and_reversed_ranking():
    y = np.array([0, 0, 1, 1, 0])
    assert frame_auc(y, y * 2.0 + 0.1) == 1.0
    assert frame_auc(y, -y * 2.0) == 0.0
    assert frame_ap(y, y * 2.0) == pytest.approx(1.0, abs=1e-12)


def _brute_force_pr_trapezoid(y, s):
    """PR points from a loop over thresholds (score >= t), recall-sorted, then trapezoid."""
    pts = []
    for t in np.unique(s):
        pred = s >= t
        tp = (pred & (y == 1)).sum()
        pts.append((tp / (y == 1).sum(), tp / pred.sum()))
    # sklearn stops at full recall and appends (recall 0, precision 1)
    full = min(t for t in np.unique(s) if ((s >= t) & (y == 1)).sum() == (y == 1).sum())
    pts = [(r, p) for (r, p), t in zip(pts, np.unique(s)) if t >= full]
    pts.append((0.0, 1.0))
    pts = pts[::-1]  # increasing threshold order reversed: recall increasing, last point first
    r = np.array([p[0] for p in pts])
    p = np.array([p[1] for p in pts])
    return float(np.sum((r[1:] - r[:-1]) * (p[1:] + p[:-1]) / 2))


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_official_ap_matches_brute_force_trapezoid_and_auc_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(300) < 0.3).astype(int)
    s = np.round(y * 0.8 + rng.standard_normal(300), 1)  # rounding makes ties
    assert frame_ap(y, s) == pytest.approx(_brute_force_pr_trapezoid(y, s), abs=1e-12)
    assert frame_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert frame_ap(y, s, 'sklearn') == pytest.approx(average_precision_score(y, s), abs=1e-12)


def test_official_ap_vs_sklearn_ap_on_random_cases():
    """The figures quoted in the module docstring."""
    rng = np.random.default_rng(0)
    diff = []
    for _ in range(200):
        y = (rng.random(2000) < 0.2).astype(int)
        s = y * rng.uniform(0, 3) + rng.standard_normal(2000)
        diff.append(frame_ap(y, s) - frame_ap(y, s, 'sklearn'))
    diff = np.array(diff)
    assert round(diff.mean(), 4) == -0.0008
    assert round(diff.min(), 4) == -0.0024
    assert (diff < 0).all()


def test_single_class_is_nan_with_warning():
    with pytest.warns(UserWarning, match='single class'):
        assert np.isnan(frame_auc([0, 0, 0], [0.1, 0.2, 0.3]))
    with pytest.warns(UserWarning, match='single class'):
        assert np.isnan(frame_ap([1, 1], [0.1, 0.2]))


def _official_postpress(curve, seg_size=32):
    """UMIL's postpress written out as a loop (the oracle)."""
    leng = curve.shape[0]
    window_size = leng // seg_size
    new_curve = np.zeros_like(curve)
    for i in range(seg_size):
        sl = slice(window_size * i, window_size * (i + 1))
        if window_size:
            new_curve[sl] = np.mean(curve[sl])
    if leng > window_size * seg_size:
        new_curve[seg_size * window_size:] = np.mean(curve[seg_size * window_size:])
    return new_curve


@pytest.mark.parametrize('length', [5, 31, 32, 33, 64, 100, 1001])
def test_segment_smooth_matches_postpress_loop(length):
    curve = np.random.default_rng(length).random(length)
    out = segment_smooth(curve, 32)
    np.testing.assert_allclose(out, _official_postpress(curve), rtol=0, atol=1e-12)
    if length in (32, 33):  # window of one frame: identity (33: a one-frame tail too)
        np.testing.assert_array_equal(out, curve)
    else:
        assert np.abs(out - curve).max() > 0.1  # the smoothing does something


def test_segment_smooth_hand_case():
    # 10 frames, 4 segments: window 2, tail frames 8..9
    curve = np.arange(10, dtype=float)
    np.testing.assert_array_equal(segment_smooth(curve, 4),
                                  [0.5, 0.5, 2.5, 2.5, 4.5, 4.5, 6.5, 6.5, 8.5, 8.5])


def test_snippet_to_frames_hand_cases():
    # 3 snippets on 8 frames: r = 8/3; bounds int(0.5)=0, int(3.17)=3, int(5.83)=5, int(8.5)=8
    np.testing.assert_array_equal(snippet_to_frames([1, 2, 3], 8, 'ratio'),
                                  [1, 1, 1, 2, 2, 3, 3, 3])
    np.testing.assert_array_equal(snippet_to_frames([1, 2], 6, 'repeat', repeat=3),
                                  [1, 1, 1, 2, 2, 2])
    with pytest.raises(ValueError, match='2 snippets x 3 frames = 6 frames.*has 7'):
        snippet_to_frames([1, 2], 7, 'repeat', repeat=3)
    with pytest.raises(ValueError, match='empty video'):
        snippet_to_frames([], 7, 'ratio')


def _samples(rng, n_videos=6):
    samples = []
    for v in range(n_videos):
        n = int(rng.integers(40, 90))
        gt = np.zeros(n, int)
        if v % 2 == 0:
            s = int(rng.integers(0, n // 2))
            gt[s:s + n // 3] = 1
        # normal videos get high scores so that AUC_sub differs from AUC
        score = gt * 0.7 + rng.random(n) + (0.6 if v % 2 else 0.0)
        samples.append(dict(pred_score=score, gt_frame_label=gt))
    return samples


def test_metric_pools_frames_and_sub_uses_abnormal_videos_only():
    samples = _samples(np.random.default_rng(3))
    metric = VideoAnomalyFrameMetric(metric=('AUC', 'AP', 'AUC_sub', 'AP_sub', 'AP_sklearn'))
    metric.process({}, samples)
    res = metric.evaluate(len(samples))
    gt = np.concatenate([s['gt_frame_label'] for s in samples])
    sc = np.concatenate([s['pred_score'] for s in samples])
    sub = np.concatenate([np.full(len(s['gt_frame_label']), i % 2 == 0)
                          for i, s in enumerate(samples)])
    assert res['video_anomaly/AUC'] == pytest.approx(roc_auc_score(gt, sc), abs=1e-12)
    assert res['video_anomaly/AUC_sub'] == pytest.approx(roc_auc_score(gt[sub], sc[sub]),
                                                         abs=1e-12)
    assert res['video_anomaly/AP'] == pytest.approx(_brute_force_pr_trapezoid(gt, sc),
                                                    abs=1e-12)
    assert res['video_anomaly/AP_sub'] == pytest.approx(
        _brute_force_pr_trapezoid(gt[sub], sc[sub]), abs=1e-12)
    assert res['video_anomaly/AP_sklearn'] == pytest.approx(average_precision_score(gt, sc),
                                                            abs=1e-12)
    assert res['video_anomaly/AUC_sub'] - res['video_anomaly/AUC'] > 0.05


def test_video_level_gt_label_decides_sub():
    samples = _samples(np.random.default_rng(4), 4)
    for i, s in enumerate(samples):  # video 1 (normal frames) declared abnormal
        s['gt_label'] = int(i in (0, 1, 2))
    metric = VideoAnomalyFrameMetric(metric='AUC_sub')
    metric.process({}, samples)
    res = metric.evaluate(4)
    gt = np.concatenate([s['gt_frame_label'] for s in samples[:3]])
    sc = np.concatenate([s['pred_score'] for s in samples[:3]])
    assert res['video_anomaly/AUC_sub'] == pytest.approx(roc_auc_score(gt, sc), abs=1e-12)


def _official_evaluate_result(samples):
    """UMIL's evaluate_result on in-memory videos (snippet scores, frame gt): (AUC, AUC_sub)."""
    gt, ans, GT, ANS = [], [], [], []
    for s in samples:
        cur_ab, cur_gt = np.asarray(s['pred_score']), np.asarray(s['gt_frame_label'])
        ratio = float(len(cur_gt)) / float(len(cur_ab))
        cur_ans = np.zeros_like(cur_gt, dtype='float32')
        for i in range(len(cur_ab)):
            cur_ans[int(i * ratio + 0.5):int((i + 1) * ratio + 0.5)] = cur_ab[i]
        cur_ans = _official_postpress(cur_ans, seg_size=32)
        if cur_gt.max() >= 1:
            gt.extend(cur_gt.tolist())
            ans.extend(cur_ans.tolist())
        GT.extend(cur_gt.tolist())
        ANS.extend(cur_ans.tolist())
    return roc_auc_score(GT, ANS), roc_auc_score(gt, ans)


def test_umil_protocol_matches_official_evaluate_result():
    rng = np.random.default_rng(5)
    samples = []
    for v in range(6):
        n = int(rng.integers(100, 400))
        gt = np.zeros(n, int)
        if v % 2 == 0:
            gt[n // 4:n // 2] = 1
        t = int(rng.integers(5, 20))  # snippets
        snip = rng.random(t) + (0.8 * (np.arange(t) * n / t >= n // 4) if v % 2 == 0 else 0)
        samples.append(dict(pred_score=snip.astype(np.float32), gt_frame_label=gt))
    metric = VideoAnomalyFrameMetric(metric=('AUC', 'AUC_sub'), snippet_to_frame='ratio',
                                     smooth_segments=32)
    metric.process({}, samples)
    res = metric.evaluate(6)
    auc_all, auc_sub = _official_evaluate_result(samples)
    # the official path holds frame scores in float32 before the mean; ours float64
    assert res['video_anomaly/AUC'] == pytest.approx(auc_all, abs=1e-6)
    assert res['video_anomaly/AUC_sub'] == pytest.approx(auc_sub, abs=1e-6)
    plain = VideoAnomalyFrameMetric(metric=('AUC',), snippet_to_frame='ratio')
    plain.process({}, samples)
    assert plain.evaluate(6)['video_anomaly/AUC'] != pytest.approx(auc_all, abs=1e-4)


def test_metric_errors_name_the_problem():
    with pytest.raises(ValueError, match='unknown metrics'):
        VideoAnomalyFrameMetric(metric=('AUC', 'mAP'))
    metric = VideoAnomalyFrameMetric()
    with pytest.raises(ValueError, match='3 values but the video has 4 frame labels'):
        metric.process({}, [dict(pred_score=np.zeros(3), gt_frame_label=np.zeros(4))])
    with pytest.raises(KeyError, match="'scores'"):
        VideoAnomalyFrameMetric(score_key='scores').process(
            {}, [dict(pred_score=np.zeros(3), gt_frame_label=np.zeros(3))])
