"""Pictures a person can read: a good image and a defective one look different, the caption
carries the score and threshold, and the hook colours on the range of the whole test set."""
import numpy as np
import pytest
from msflow.hooks.visualization import (
    BAR_WIDTH,
    CAPTION_HEIGHT,
    AnomalyMapVisualizationHook,
    best_f1_threshold,
    draw_sample,
)

H = W = 32


def _maps():
    rng = np.random.default_rng(0)
    good = 0.1 + 0.02 * rng.random((H, W))  # low everywhere, small noise
    bad = 0.1 + 0.02 * rng.random((H, W))
    bad[8:20, 10:24] = 0.9  # a defect
    mask = np.zeros((H, W), bool)
    mask[8:20, 10:24] = True
    return good.astype(np.float32), bad.astype(np.float32), mask


def _map_panel(picture):
    return picture[:H, W:2 * W].astype(float)


def _red_fraction(panel):
    """Fraction of the map panel's pixels that are more red than blue."""
    return float((panel[..., 0] > panel[..., 2] + 20).mean())


def test_good_and_defective_images_look_different_on_a_common_range():
    good, bad, mask = _maps()
    image = np.full((H, W, 3), 128, np.uint8)
    lo, hi = float(min(good.min(), bad.min())), float(max(good.max(), bad.max()))
    pg = draw_sample(image, good, score=0.1, threshold=0.5, vmin=lo, vmax=hi)
    pb = draw_sample(image, bad, score=0.9, threshold=0.5, mask=mask, vmin=lo, vmax=hi)
    # the good map has no red pixel, the defective one is red exactly on its defect
    # (12 x 14 of 32 x 32 pixels)
    assert _red_fraction(_map_panel(pg)) == 0
    assert _red_fraction(_map_panel(pb)) == pytest.approx(12 * 14 / (H * W))
    # per-image scaling (what the first version did) stretches the good map's noise to the
    # full colour range, so it looks as red as the defective one: this test would fail on it
    pg_own = draw_sample(image, good)
    assert _red_fraction(_map_panel(pg_own)) > 0.1
    # layout: image | map | colour bar | predicted mask | ground truth, caption below
    assert pb.shape == (H + CAPTION_HEIGHT, 4 * W + BAR_WIDTH, 3)
    pred = pb[:H, 2 * W + BAR_WIDTH:3 * W + BAR_WIDTH, 0] > 0
    assert np.array_equal(pred, mask)  # the defect is predicted, nothing else
    assert np.array_equal(pb[:H, 3 * W + BAR_WIDTH:, 0] > 0, mask)
    # the caption differs with the decision (score vs threshold are written)
    assert not np.array_equal(pg[H:], pb[H:])


def test_best_f1_threshold():
    labels = np.array([0, 0, 0, 1, 1, 0, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.8, 0.9, 0.85, 0.95])
    # predicting >= 0.8 gives tp 3, fp 1 (F1 0.857); >= 0.9: tp 2, fp 0 (0.8)
    assert best_f1_threshold(labels, scores) == 0.8
    assert np.isnan(best_f1_threshold([0, 0], [0.1, 0.2]))


class _Sample(dict):
    def __init__(self, amap, mask, score, label, path, defect):
        import torch
        super().__init__(anomaly_map=torch.from_numpy(amap), gt_mask=torch.from_numpy(mask),
                         pred_score=torch.tensor(score), gt_label=torch.tensor(label))
        self.metainfo = dict(img_path=path, defect_type=defect)


def test_hook_colours_on_the_test_set_range(tmp_path):
    from PIL import Image
    good, bad, mask = _maps()
    path = str(tmp_path / 'img.png')
    Image.fromarray(np.full((H, W, 3), 128, np.uint8)).save(path)

    class Runner:
        work_dir, timestamp = str(tmp_path), 'ts'
    hook = AnomalyMapVisualizationHook(draw=True, test_out_dir='vis')
    hook.before_test(Runner)
    hook.after_test_iter(Runner, 0, outputs=[
        _Sample(good, np.zeros_like(mask), 0.1, 0, path, 'good'),
        _Sample(bad, mask, 0.9, 1, path, 'scratch')])
    image_thr, pixel_thr, vmin, vmax = hook.thresholds()
    assert (vmin, vmax) == (float(min(good.min(), bad.min())), float(bad.max()))
    assert image_thr == pytest.approx(0.9) and pixel_thr == pytest.approx(0.9)
    hook.after_test_epoch(Runner)
    pg = np.asarray(Image.open(tmp_path / 'ts' / 'vis' / 'good' / 'img.png'))
    pb = np.asarray(Image.open(tmp_path / 'ts' / 'vis' / 'scratch' / 'img.png'))
    assert _red_fraction(_map_panel(pg)) == 0
    assert _red_fraction(_map_panel(pb)) == pytest.approx(12 * 14 / (H * W))
