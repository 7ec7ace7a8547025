"""Anomaly metrics against independent references (sklearn, a brute-force PRO loop, the
official MSFlow evaluator's output on fixed maps)."""
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from cvshared.metrics.anomaly import (
    AnomalyImageAUROC,
    AnomalyPixelAUROC,
    AnomalyPRO,
    image_auroc,
    pixel_auroc,
    pro_auc,
    pro_auc_exact,
)
from mmengine.evaluator import Evaluator
from skimage.measure import label, regionprops
from sklearn.metrics import auc, roc_auc_score

DATA = osp.join(osp.dirname(__file__), '..', 'data', 'anomaly')


def _random_case(seed, n=5, size=24):
    rng = np.random.default_rng(seed)
    masks = np.zeros((n, size, size), bool)
    for i in range(n - 1):  # the last image is normal
        for _ in range(rng.integers(1, 3)):
            y, x = rng.integers(0, size - 6, size=2)
            h, w = rng.integers(2, 7, size=2)
            masks[i, y:y + h, x:x + w] = True
    maps = rng.random((n, size, size)).astype(np.float32) + 0.7 * masks * rng.random(masks.shape)
    return masks, maps.astype(np.float32)


def brute_force_pro(masks, maps, steps=800, limit=0.3):
    """The definition written as plainly as possible: loop over thresholds and regions."""
    lo, hi = maps.min(), maps.max()
    pros, fprs = [], []
    for t in np.arange(lo, hi, (hi - lo) / steps):
        pred = maps > t
        overlaps = [pred[i][r.coords[:, 0], r.coords[:, 1]].sum() / r.area
                    for i in range(len(masks)) for r in regionprops(label(masks[i]))]
        pros.append(np.mean(overlaps))
        fprs.append(np.logical_and(pred, ~masks).sum() / (~masks).sum())
    pros, fprs = np.array(pros), np.array(fprs)
    keep = fprs < limit
    x = fprs[keep]
    return auc((x - x.min()) / (x.max() - x.min()), pros[keep])


def test_aurocs_match_sklearn():
    masks, maps = _random_case(0)
    labels = masks.reshape(len(masks), -1).any(1)
    scores = maps.reshape(len(maps), -1).max(1)
    assert image_auroc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert pixel_auroc(torch.from_numpy(masks), torch.from_numpy(maps)) == pytest.approx(
        roc_auc_score(masks.ravel(), maps.ravel()), abs=1e-12)
    with pytest.warns(UserWarning, match='single class'):
        assert np.isnan(image_auroc([1, 1], [0.2, 0.3]))


@pytest.mark.parametrize('seed', [0, 1])
def test_pro_matches_brute_force_loop(seed):
    masks, maps = _random_case(seed)
    # identical thresholds and counts; only float summation order differs
    assert pro_auc(masks, maps) == pytest.approx(brute_force_pro(masks, maps), abs=1e-9)


def test_pro_matches_official_evaluator_golden():
    g = load_checkpoint_file(osp.join(DATA, 'pro_official.pt'))
    # official eval_seg_pro returns a percentage; ours a fraction (PaperSpec.metric_scale=100)
    assert pro_auc(g['masks'].numpy(), g['maps'].numpy()) * 100 == pytest.approx(
        g['pro_x100'], abs=1e-6)


def test_pro_invariants_and_alternative_integration():
    masks, maps = _random_case(2, n=8, size=48)
    # every anomalous pixel (in [1, 2)) above every normal one (in [0, 1)): PRO = 1
    perfect = masks + np.random.default_rng(4).random(masks.shape)
    assert pro_auc(masks, perfect) == pytest.approx(1.0, abs=1e-9)
    assert pro_auc_exact(masks, perfect) == pytest.approx(1.0, abs=1e-9)
    # scores independent of the masks: PRO(t) ~= FPR(t), so the normalised area is ~0.15
    # (64 regions of 64 pixels: the per-threshold PRO has a std of ~0.007)
    grid = np.zeros((4, 64, 64), bool)
    for y in range(0, 64, 16):
        for x in range(0, 64, 16):
            grid[:, y:y + 8, x:x + 8] = True
    noise = np.random.default_rng(5).random(grid.shape)
    assert pro_auc(grid, noise) == pytest.approx(0.15, abs=0.01)
    assert pro_auc_exact(grid, noise) == pytest.approx(0.15, abs=0.01)
    # both integrations of this well-spread map (measured 6.8e-4 apart): they differ in grid,
    # right end and normalisation (module docstring)
    assert abs(pro_auc(masks, maps) - pro_auc_exact(masks, maps)) == pytest.approx(6.8e-4,
                                                                                   abs=5e-5)


def test_pro_integrations_on_saturated_maps():
    """Saturating the scores (A = 1 - exp(-k s), as MSFlow's A_mul does) leaves the exact PRO
    unchanged -- it only depends on the order of the scores -- but moves the 800-threshold one,
    whose equispaced grid then puts most pixels in a few bins; fully saturated, it has fewer
    than two FPR points below 0.3 and is NaN."""
    masks, maps = _random_case(0, n=8, size=48)
    exact = [pro_auc_exact(masks, (1 - np.exp(-k * maps)).astype(np.float32)) for k in (3, 7)]
    official = [pro_auc(masks, (1 - np.exp(-k * maps)).astype(np.float32)) for k in (3, 7)]
    assert exact[0] == pytest.approx(exact[1], abs=1e-4)
    assert official[1] - official[0] == pytest.approx(0.0098, abs=5e-4)
    with pytest.warns(UserWarning, match='fewer than two'):
        assert np.isnan(pro_auc(masks, (1 - np.exp(-12 * maps)).astype(np.float32)))


def test_pro_metric_reports_both_integrations():
    masks, maps = _random_case(1)
    metric = AnomalyPRO(map_key='anomaly_map', integration='both', prefix='mvtec')
    metric.process(None, [dict(gt_mask=torch.from_numpy(m), anomaly_map=torch.from_numpy(a))
                          for m, a in zip(masks, maps)])
    out = metric.evaluate(len(masks))
    assert set(out) == {'mvtec/PRO', 'mvtec/PRO_exact'}
    assert out['mvtec/PRO'] == pro_auc(masks, maps)
    assert out['mvtec/PRO_exact'] == pro_auc_exact(masks, maps)
    assert out['mvtec/PRO'] != out['mvtec/PRO_exact']
    with pytest.raises(ValueError, match='both'):
        AnomalyPRO(integration='sometimes')


def test_metrics_as_mmengine_evaluator():
    masks, maps = _random_case(3)
    scores = maps.reshape(len(maps), -1).max(1)
    labels = masks.reshape(len(masks), -1).any(1).astype(int)
    evaluator = Evaluator([AnomalyImageAUROC(prefix='mvtec'),
                           AnomalyPixelAUROC(prefix='mvtec'),
                           AnomalyPRO(map_key='anomaly_map_mul', prefix='mvtec')])
    for i in range(0, len(maps), 2):  # two batches and a remainder
        samples = [dict(gt_label=torch.tensor(labels[j]), gt_mask=torch.from_numpy(masks[j]),
                        pred_score=torch.tensor(scores[j]), anomaly_map=torch.from_numpy(maps[j]),
                        anomaly_map_mul=torch.from_numpy(maps[j]))
                   for j in range(i, min(i + 2, len(maps)))]
        evaluator.process(samples)
    out = evaluator.evaluate(len(maps))
    assert set(out) == {'mvtec/image_AUROC', 'mvtec/pixel_AUROC', 'mvtec/PRO'}
    assert out['mvtec/image_AUROC'] == pytest.approx(roc_auc_score(labels, scores))
    assert out['mvtec/pixel_AUROC'] == pytest.approx(roc_auc_score(masks.ravel(), maps.ravel()))
    assert out['mvtec/PRO'] == pytest.approx(pro_auc(masks, maps))


def test_metric_errors_name_the_problem():
    metric = AnomalyPixelAUROC(map_key='anomaly_map')
    with pytest.raises(KeyError, match='anomaly_map'):
        metric.process(None, [dict(gt_mask=torch.zeros(4, 4))])
    with pytest.raises(ValueError, match='shape'):
        metric.process(None, [dict(gt_mask=torch.zeros(4, 4), anomaly_map=torch.zeros(2, 2))])


def test_pro_exact_matches_anomalib_aupro():
    """Our anomalib-style integration against anomalib 2.7.0's AUPRO (golden values).

    Both integrate the PRO curve over every distinct threshold up to FPR 0.3 and divide by 0.3;
    anomalib accumulates in float32, hence 5e-4. The official MSFlow definition (800 evenly
    spaced thresholds, FPRs min-max rescaled) differs from anomalib's by up to about 1e-3 here.
    """
    cases = load_checkpoint_file(osp.join(DATA, 'aupro_anomalib.pt'))
    for case in cases:
        masks, maps = case['masks'].numpy(), case['maps'].numpy()
        assert pro_auc_exact(masks, maps) == pytest.approx(case['aupro'], abs=5e-4)
        assert pro_auc(masks, maps) == pytest.approx(case['aupro'], abs=3e-3)
