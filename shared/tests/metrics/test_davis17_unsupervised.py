"""DAVIS-2017 unsupervised J & F: golden figures of the official davis2017-evaluation code
(``DAVISEvaluation(task='unsupervised')`` on a tiny tree with void pixels, swapped and spurious
proposals, a binary model's single proposal, an object missing from the first frame and an
empty frame: ``shared/tests/data/davis/make_golden_davis17.py``), and the matching's
properties."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.metrics.davis import (
    DAVIS17UnsupervisedMetric,
    DAVISJFMetric,
    db_eval_iou,
    match_proposals,
)

DATA = osp.join(osp.dirname(__file__), '..', 'data', 'davis')


def _load():
    arrays = np.load(osp.join(DATA, 'davis17_masks.npz'))
    seqs = {k[:-3]: (arrays[k], arrays[k[:-3] + '_pred']) for k in arrays if k.endswith('_gt')}
    with open(osp.join(DATA, 'davis17_unsup_golden.json')) as f:
        return seqs, json.load(f)


def _sample(seq, t, gt, pred):
    return dict(seq_name=seq, frame_index=t,
                gt_sem_seg=dict(data=torch.from_numpy(gt.astype(np.int64))[None]),
                pred_sem_seg=dict(data=torch.from_numpy(pred.astype(np.int64))[None]))


def _evaluate(seqs, metric=None, seed=0, relabel=None):
    metric = metric or DAVIS17UnsupervisedMetric()
    samples = []
    for seq, (gt, pred) in seqs.items():
        for t in range(len(gt)):
            p = pred[t] if relabel is None else relabel[pred[t]]
            samples.append(_sample(seq, t, gt[t], p))
    order = np.random.default_rng(seed).permutation(len(samples))  # collection order varies
    for k in range(0, len(order), 5):
        metric.process({}, [samples[i] for i in order[k:k + 5]])
    return metric.evaluate(len(samples)), metric


def test_matches_the_official_unsupervised_evaluation():
    seqs, golden = _load()
    res, metric = _evaluate(seqs)
    for key, value in golden['global'].items():
        assert res[f'davis17/{key}'] == pytest.approx(value, abs=1e-9), key
    for seq, expected in golden['per_sequence'].items():
        ours = sorted([s['J-Mean'], s['F-Mean']] for name, s in metric.per_object.items()
                      if name.rsplit('_', 1)[0] == seq)
        np.testing.assert_allclose(ours, expected, atol=1e-9)
    # the golden set exercises what it claims: a swapped match, an empty pad, a gap in ids
    assert metric.per_object['a_1']['proposal'] == 2 and metric.per_object['a_2']['proposal'] == 1
    assert sorted(metric.per_object[f'b_{o}']['proposal'] for o in (1, 2, 3)) == [0, 0, 1]
    assert 'b_4' not in metric.per_object          # id 4 is absent from b's first frame


def test_proposal_ids_are_matched_not_read_as_object_ids():
    """Permuting the proposal ids changes nothing; scoring proposal k as object k would."""
    seqs, golden = _load()
    relabel = np.arange(256)
    relabel[[1, 2, 3]] = [3, 1, 2]
    res, _ = _evaluate(seqs, relabel=relabel, seed=1)
    assert res['davis17/J&F-Mean'] == pytest.approx(golden['global']['J&F-Mean'], abs=1e-12)
    identity = []                   # proposal k read as object k, void left out
    for gt, pred in seqs.values():
        n = int(gt[0][gt[0] != 255].max())
        identity += [np.mean([db_eval_iou(g == o, p == o, g == 255) for g, p in zip(gt, pred)])
                     for o in range(1, n + 1)]
    assert np.mean(identity) < golden['global']['J-Mean'] - 0.1, np.mean(identity)


def test_matching_by_brute_force_over_assignments():
    """match_proposals picks the assignment of largest total (J + F) / 2, checked against every
    injective map of 3 objects into 4 proposals on random per-frame tables."""
    import itertools
    rng = np.random.default_rng(3)
    for _ in range(20):
        frames = [{(p, o): tuple(rng.random(2)) for p in range(5) for o in range(4)
                   if (p, o) != (0, 0)} for _ in range(4)]
        j, f, matched = match_proposals(frames, num_objects=3, num_proposals=4)
        def total(assign, frames=frames):
            return sum(np.mean([fr[(p, o + 1)][0] + fr[(p, o + 1)][1] for fr in frames])
                       for o, p in enumerate(assign))
        best = max(itertools.permutations(range(1, 5), 3), key=total)
        assert tuple(matched) == best
        np.testing.assert_allclose(j[0], [fr[(best[0], 1)][0] for fr in frames])


def test_binary_prediction_against_the_union_metric():
    """A binary model scored both ways on sequence b: the instance protocol matches its one
    proposal to one object and gives the other two an empty mask, the union protocol scores
    the foreground against all objects merged, so the two figures differ."""
    seqs, _ = _load()
    b = {'b': seqs['b']}
    inst, _ = _evaluate(b)
    union = DAVISJFMetric(ignore_first_last=False, prefix='davis17')
    for t, (g, p) in enumerate(zip(*seqs['b'])):
        union.process({}, [_sample('b', t, g, p)])
    merged = union.evaluate(len(seqs['b'][0]))
    assert inst['davis17/J-Mean'] < merged['davis17/J-Mean'] / 2


def test_void_pixels_do_not_count():
    gt = np.zeros((1, 10, 10), np.uint8)
    gt[0, 2:6, 2:6] = 1
    gt[0, 6:8, 2:6] = 255
    pred = np.zeros_like(gt)
    pred[0, 2:8, 2:6] = 1           # the object plus the void rows below it
    res, _ = _evaluate({'s': (gt, pred)})
    assert res['davis17/J-Mean'] == 1.0 and res['davis17/F-Mean'] == 1.0
    gt[0, 6:8, 2:6] = 0             # the same rows as background: J = 16 / 24
    res, _ = _evaluate({'s': (gt, pred)})
    assert res['davis17/J-Mean'] == pytest.approx(16 / 24)


def test_bad_input_is_a_clear_error():
    gt = np.zeros((1, 8, 8), np.uint8)
    gt[0, :4] = 1
    many = np.arange(64, dtype=np.uint8).reshape(1, 8, 8) % 22
    with pytest.raises(ValueError, match=r"'s' has proposal id 21, more than the 20"):
        _evaluate({'s': (gt, many)})
    with pytest.raises(ValueError, match=r"first annotated frame \(0\) has no object"):
        _evaluate({'s': (np.zeros_like(gt), gt)})
    metric = DAVIS17UnsupervisedMetric()
    sample = _sample('s', 0, gt[0], gt[0])
    del sample['gt_sem_seg']
    sample['img_path'] = 'JPEGImages/480p/s/00000.jpg'
    with pytest.raises(KeyError, match=r'00000\.jpg has no gt_sem_seg.*binary=False'):
        metric.process({}, [sample])
    with pytest.raises(ValueError, match='is \\(8, 7\\) but its mask'):
        metric.process({}, [_sample('s', 0, gt[0], gt[0][:, :7])])
