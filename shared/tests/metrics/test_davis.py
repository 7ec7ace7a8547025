"""DAVIS J / F: golden numbers from the official evaluation code + brute-force references."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.metrics.davis import (
    DAVISJFMetric,
    db_eval_boundary,
    db_eval_iou,
    db_statistics,
    seg2bmap,
    summarize_sequences,
)
from mmengine.structures import PixelData

DATA = osp.join(osp.dirname(__file__), '..', 'data', 'davis')


def load_golden():
    arrays = np.load(osp.join(DATA, 'random_masks.npz'))
    with open(osp.join(DATA, 'official_eval_golden.json')) as f:
        golden = json.load(f)
    seqs = {}
    for name in golden:
        shape = tuple(arrays[f'{name}_shape'])
        n = int(np.prod(shape))
        gt = np.unpackbits(arrays[f'{name}_gt'])[:n].reshape(shape).astype(bool)
        pred = np.unpackbits(arrays[f'{name}_pred'])[:n].reshape(shape).astype(bool)
        seqs[name] = (gt, pred)
    return seqs, golden


# -- brute-force references (loops over pixels; independent of the vectorised code) ---------
def brute_boundary(seg):
    h, w = seg.shape
    b = np.zeros_like(seg, bool)

    def at(y, x):
        return bool(seg[y, x]) if y < h and x < w else False

    for y in range(h):
        for x in range(w):
            s = at(y, x)
            if y == h - 1 and x == w - 1:
                b[y, x] = False
            elif x == w - 1:
                b[y, x] = s != at(y + 1, x)
            elif y == h - 1:
                b[y, x] = s != at(y, x + 1)
            else:
                b[y, x] = s != at(y, x + 1) or s != at(y + 1, x) or s != at(y + 1, x + 1)
    return b


def brute_f(gt, pred, bound_th=0.008):
    r = bound_th if bound_th >= 1 else np.ceil(bound_th * np.hypot(*gt.shape))
    bp, bg = np.argwhere(brute_boundary(pred)), np.argwhere(brute_boundary(gt))
    if len(bp) == 0 and len(bg) == 0:
        return 1.0
    if len(bp) == 0 or len(bg) == 0:
        return 0.0
    d2 = ((bp[:, None, :] - bg[None, :, :]) ** 2).sum(-1)
    precision = (d2.min(1) <= r * r).mean()
    recall = (d2.min(0) <= r * r).mean()
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def brute_j(gt, pred):
    inter = sum(1 for g, p in zip(gt.ravel(), pred.ravel()) if g and p)
    union = sum(1 for g, p in zip(gt.ravel(), pred.ravel()) if g or p)
    return 1.0 if union == 0 else inter / union


def test_per_frame_matches_official_evaluation_code():
    seqs, golden = load_golden()
    for name, (gt, pred) in seqs.items():
        j = [db_eval_iou(g, p) for g, p in zip(gt, pred)]
        f = [db_eval_boundary(g, p) for g, p in zip(gt, pred)]
        # float64 arithmetic on identical integer counts: agreement to round-off
        np.testing.assert_allclose(j, golden[name]['J'], atol=1e-6)
        np.testing.assert_allclose(f, golden[name]['F'], atol=1e-12)


def test_statistics_match_official_evaluation_code():
    seqs, golden = load_golden()
    per_frame = {}
    for name, (gt, pred) in seqs.items():
        j = [db_eval_iou(g, p) for g, p in zip(gt, pred)]
        f = [db_eval_boundary(g, p) for g, p in zip(gt, pred)]
        np.testing.assert_allclose(db_statistics(j), golden[name]['stats_all']['J'], atol=1e-6)
        np.testing.assert_allclose(db_statistics(f), golden[name]['stats_all']['F'], atol=1e-9)
        per_frame[name] = [(i, a, b) for i, (a, b) in enumerate(zip(j, f))]
    overall, per_seq = summarize_sequences(per_frame, ignore_first_last=True)
    for name in seqs:  # DAVIS-2016 protocol (first / last frame left out)
        for key, stats in (('J', golden[name]['stats_davis16']['J']),
                           ('F', golden[name]['stats_davis16']['F'])):
            got = [per_seq[name][f'{key}-{s}'] for s in ('Mean', 'Recall', 'Decay')]
            np.testing.assert_allclose(got, stats, atol=1e-6)
    expect_j = np.mean([golden[n]['stats_davis16']['J'][0] for n in seqs])
    expect_f = np.mean([golden[n]['stats_davis16']['F'][0] for n in seqs])
    assert overall['J-Mean'] == pytest.approx(expect_j, abs=1e-6)
    assert overall['J&F-Mean'] == pytest.approx((expect_j + expect_f) / 2, abs=1e-6)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_against_brute_force_on_random_masks(seed):
    rng = np.random.default_rng(seed)
    for density in (0.05, 0.3, 0.7):
        gt = rng.random((23, 31)) < density
        pred = rng.random((23, 31)) < density
        assert db_eval_iou(gt, pred) == pytest.approx(brute_j(gt, pred), abs=1e-12)
        np.testing.assert_array_equal(seg2bmap(gt), brute_boundary(gt))
        assert db_eval_boundary(gt, pred) == pytest.approx(brute_f(gt, pred), abs=1e-12)
        # a larger tolerance (radius 3) exercises the disk shape
        assert db_eval_boundary(gt, pred, 3) == pytest.approx(brute_f(gt, pred, 3), abs=1e-12)


def test_edge_cases():
    empty = np.zeros((10, 12), bool)
    full = np.ones((10, 12), bool)
    assert db_eval_iou(empty, empty) == 1.0
    assert db_eval_iou(empty, full) == 0.0
    assert db_eval_boundary(empty, empty) == 1.0
    box = empty.copy()
    box[3:6, 4:8] = True
    assert db_eval_boundary(box, box) == 1.0
    assert db_eval_boundary(box, empty) == 0.0  # P = 1, R = 0
    assert db_eval_boundary(empty, box) == 0.0  # P = 0, R = 1
    with pytest.raises(ValueError, match='shapes differ'):
        db_eval_iou(box, np.zeros((3, 3), bool))
    m, r, d = db_statistics([1.0, 1.0, 0.0, 0.0])
    assert (m, r, d) == (0.5, 0.5, 1.0)


def _sample(seq, index, gt, pred):
    return dict(seq_name=seq, frame_index=index,
                gt_sem_seg=dict(data=torch.from_numpy(gt.astype(np.int64))[None]),
                pred_sem_seg=dict(data=torch.from_numpy(pred.astype(np.int64))[None]))


def test_base_metric_groups_by_sequence_in_any_order():
    seqs, golden = load_golden()
    metric = DAVISJFMetric()
    samples = [_sample(n, i, g, p) for n, (gt, pred) in seqs.items()
               for i, (g, p) in enumerate(zip(gt, pred))]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(samples))  # distributed collection shuffles frames
    for k in range(0, len(order), 4):
        metric.process({}, [samples[i] for i in order[k:k + 4]])
    res = metric.evaluate(len(samples))
    expect_j = np.mean([golden[n]['stats_davis16']['J'][0] for n in seqs])
    assert res['davis/J-Mean'] == pytest.approx(expect_j, abs=1e-6)
    assert set(metric.per_sequence) == set(seqs)
    assert {'davis/J&F-Mean', 'davis/F-Decay', 'davis/J-Recall'} <= set(res)


def test_shape_mismatch_names_the_files():
    sample = _sample('a', 0, np.ones((4, 4)), np.ones((4, 5)))
    sample.update(img_path='f/00000.jpg', seg_map_path='m/00000.png')
    with pytest.raises(ValueError, match=r'f/00000\.jpg is \(4, 5\).*m/00000\.png is \(4, 4\)'):
        DAVISJFMetric().process({}, [sample])


def test_metric_requires_sequence_names():
    metric = DAVISJFMetric()
    sample = _sample('a', 0, np.ones((4, 4)), np.ones((4, 4)))
    del sample['seq_name']
    with pytest.raises(KeyError, match='seq_name'):
        metric.process({}, [sample])


def test_pixel_data_samples_work():
    """Real data samples carry PixelData; the metric reads them through ``to_dict``-like access."""
    from mmseg.structures import SegDataSample
    s = SegDataSample(metainfo=dict(seq_name='x', frame_index=0))
    s.gt_sem_seg = PixelData(data=torch.ones(1, 5, 5, dtype=torch.long))
    s.pred_sem_seg = PixelData(data=torch.ones(1, 5, 5, dtype=torch.long))
    metric = DAVISJFMetric(ignore_first_last=False)
    metric.process({}, [s.to_dict()])
    assert metric.evaluate(1)['davis/J&F-Mean'] == 1.0


def test_unannotated_frames_are_not_scored_but_a_missing_mask_is_an_error():
    """Frame-pair test sets that list every frame (VOSFramePairEvalDataset(annotated_only=False))
    mark the frames without ground truth ``annotated=False``: predicted, not scored. A frame
    without a mask and without that mark is an error, not a silent skip."""
    gt, good, bad = np.ones((4, 4)), np.ones((4, 4)), np.zeros((4, 4))
    metric = DAVISJFMetric(ignore_first_last=False)
    unannotated = dict(seq_name='a', frame_index=1, annotated=False,
                       pred_sem_seg=dict(data=torch.from_numpy(bad.astype(np.int64))[None]))
    metric.process({}, [_sample('a', 0, gt, good), unannotated, _sample('a', 2, gt, good)])
    assert [r[1] for r in metric.results] == [0, 2]
    assert metric.evaluate(3)['davis/J-Mean'] == pytest.approx(1.0)
    del unannotated['annotated']
    unannotated['img_path'] = 'JPEGImages/a/00001.jpg'
    with pytest.raises(KeyError, match=r'00001\.jpg has no gt_sem_seg'):
        DAVISJFMetric().process({}, [unannotated])


def test_constant_mask_baselines_by_hand(tmp_path):
    """Two sequences of three 4 x 4 frames; the middle frame alone is scored
    (ignore_first_last). Sequence a's middle mask covers 4 of 16 pixels, b's 8 of 16: all
    foreground J = (4/16 + 8/16) / 2 = 0.375; all background J = 0 (non-empty masks)."""
    import cv2
    from cvshared.metrics.davis import constant_mask_baselines

    class _Frames:
        def __init__(self, infos):
            self.infos = infos

        def __len__(self):
            return len(self.infos)

        def get_data_info(self, i):
            return self.infos[i]

    infos = []
    for seq, fg in (('a', 4), ('b', 8)):
        for k in range(3):
            m = np.zeros((4, 4), np.uint8)
            m.flat[:fg if k == 1 else 16] = 255   # first / last frames: full (not scored)
            path = str(tmp_path / f'{seq}{k}.png')
            cv2.imwrite(path, m)
            infos.append(dict(seg_map_path=path, seq_name=seq, frame_index=k))
    base = constant_mask_baselines(_Frames(infos[::-1]))   # any order
    assert base == {'all_foreground': pytest.approx(0.375), 'all_background': 0.0}
    assert constant_mask_baselines(_Frames(infos), ignore_first_last=False)[
        'all_foreground'] == pytest.approx((1 + 0.25 + 1 + 1 + 0.5 + 1) / 6)
    # the same masks as DAVIS-17 palette PNGs (index 1, drawn dark red): the same floor
    from PIL import Image
    palette = []
    for info in infos:
        m = (cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED) > 0).astype(np.uint8)
        im = Image.fromarray(m, mode='P')
        im.putpalette([0, 0, 0, 128, 0, 0] + [0] * 762)
        path = info['seg_map_path'].replace('.png', '_p.png')
        im.save(path)
        palette.append(dict(info, seg_map_path=path))
    assert cv2.imread(palette[1]['seg_map_path'], cv2.IMREAD_UNCHANGED).ndim == 3
    assert constant_mask_baselines(_Frames(palette)) == base
    infos[0]['seg_map_path'] = str(tmp_path / 'missing.png')
    with pytest.raises(FileNotFoundError, match='missing.png'):
        constant_mask_baselines(_Frames(infos))
