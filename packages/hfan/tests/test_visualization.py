"""draw_sample: the picture the hook and tools/infer.py write."""
import numpy as np
import pytest
from cvshared.metrics.davis import seg2bmap
from hfan.hooks import draw_sample
from hfan.hooks.visualization import GT_BGR


def test_draw_sample_colours_prediction_and_boundary():
    frame = np.full((8, 10, 3), 100, np.uint8)
    pred = np.zeros((8, 10), np.int64)
    pred[2:5, 3:7] = 1
    gt = np.zeros((8, 10), bool)
    gt[1:6, 1:4] = True
    out = draw_sample(frame, pred, alpha=0.5)
    np.testing.assert_array_equal(out[3, 4], [50, 50, 177])  # half-way to red (BGR)
    np.testing.assert_array_equal(out[0, 0], [100, 100, 100])  # background untouched
    out = draw_sample(frame, pred, gt, alpha=0.5)
    boundary = seg2bmap(gt)
    assert boundary.sum() > 4 and not boundary[3, 2]
    assert (out[boundary] == GT_BGR).all() and tuple(out[3, 2]) != GT_BGR  # boundary only
    flow = np.zeros_like(frame)
    flow[..., 0] = 200
    both = draw_sample(frame, pred, gt, flow_bgr=flow)
    assert both.shape == (8, 20, 3)
    np.testing.assert_array_equal(both[:, 10:], flow)
    with pytest.raises(ValueError, match='prediction is'):
        draw_sample(frame, pred[:4])
