"""draw_score_curve: the shaded ground truth, the curve's height and the input errors."""
import numpy as np
import pytest
from cvshared.hooks.video_anomaly import BACKGROUND, CURVE, SHADE, draw_score_curve, gt_intervals

H, W, M = 120, 220, 20


def _cols_with(img, color):
    return np.flatnonzero((img == np.array(color, np.uint8)).all(-1).any(0))


def test_shape_dtype_and_shaded_interval_from_labels():
    n = 100
    gt = np.zeros(n)
    gt[40:60] = 1
    img = draw_score_curve(np.zeros(n), gt, size=(H, W), margin=M)
    assert img.shape == (H, W, 3) and img.dtype == np.uint8
    cols = _cols_with(img, SHADE)
    # frames 40..59 of 100 over the plot width x0 = 20 .. x1 = 199
    assert cols.min() == round(20 + 179 * 0.40)
    assert cols.max() == round(20 + 179 * 0.60) - 1


def test_intervals_and_labels_draw_the_same_picture():
    n = 50
    lab = np.zeros(n)
    lab[5:11] = 1
    lab[30:50] = 1
    a = draw_score_curve(np.linspace(0, 1, n), lab, size=(H, W), margin=M)
    b = draw_score_curve(np.linspace(0, 1, n), [(5, 10), (30, 49), (-1, -1)], size=(H, W), margin=M)
    np.testing.assert_array_equal(a, b)
    assert gt_intervals(lab, n) == [(5, 11), (30, 50)]


def test_no_gt_no_shade_and_curve_height_follows_score():
    low = draw_score_curve(np.full(30, 0.1), None, size=(H, W), margin=M)
    high = draw_score_curve(np.full(30, 0.9), None, size=(H, W), margin=M)
    assert _cols_with(low, SHADE).size == 0
    rows_low = np.flatnonzero((low == np.array(CURVE, np.uint8)).all(-1).any(1))
    rows_high = np.flatnonzero((high == np.array(CURVE, np.uint8)).all(-1).any(1))
    y1 = H - M - 1
    assert abs(rows_low.mean() - (y1 - (y1 - M) * 0.1)) <= 1.5
    assert abs(rows_high.mean() - (y1 - (y1 - M) * 0.9)) <= 1.5


def test_title_is_drawn():
    a = draw_score_curve(np.zeros(10), size=(H, W), margin=M)
    b = draw_score_curve(np.zeros(10), title='video_001', size=(H, W), margin=M)
    assert (a[:M] != b[:M]).any() and (a[M:] == b[M:]).all()
    assert (a[:M] == np.array(BACKGROUND, np.uint8)).all()


@pytest.mark.parametrize('scores,gt,match', [
    (np.zeros(0), None, 'at least one'),
    (np.array([0.1, np.nan]), None, 'NaN'),
    (np.zeros(10), np.zeros(9), '9 frame labels'),
])
def test_bad_input(scores, gt, match):
    with pytest.raises(ValueError, match=match):
        draw_score_curve(scores, gt)


def test_sample_visualization_hook_writes_one_png_per_output_when_drawing(tmp_path):
    """The shared test-time hook: one ``<name>.png`` per sample (a '/' in the name flattened)
    under <work_dir>/<timestamp>/<test_out_dir>, every interval-th batch, nothing when off."""
    from types import SimpleNamespace

    from cvshared.hooks import SampleVisualizationHook
    from PIL import Image

    class Hook(SampleVisualizationHook):
        def draw_output(self, sample, batch_idx):
            return sample['name'], np.full((4, 6, 3), sample['value'], np.uint8)

    runner = SimpleNamespace(work_dir=str(tmp_path), timestamp='ts')
    outputs = [dict(name='a/b', value=10), dict(name='c', value=200)]
    Hook(draw=True, test_out_dir='vis', interval=2).after_test_iter(runner, 1, None, outputs)
    assert not (tmp_path / 'ts' / 'vis').exists()          # batch 1 is not a multiple of 2
    Hook(draw=True, test_out_dir='vis', interval=2).after_test_iter(runner, 2, None, outputs)
    assert sorted(p.name for p in (tmp_path / 'ts' / 'vis').iterdir()) == ['a_b.png', 'c.png']
    assert np.asarray(Image.open(tmp_path / 'ts' / 'vis' / 'c.png')).max() == 200
    Hook(draw=False, test_out_dir='off').after_test_iter(runner, 0, None, outputs)
    assert not (tmp_path / 'ts' / 'off').exists()
