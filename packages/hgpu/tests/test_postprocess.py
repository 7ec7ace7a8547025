"""The drawing, the dense-CRF recipe and the inference inputs' errors."""
from __future__ import annotations

import numpy as np
import pytest


def test_draw_sample_overlays_prediction_and_boundary():
    from hgpu.hooks.visualization import GT_RGB, PRED_RGB, draw_sample
    frame = np.zeros((20, 30, 3), np.uint8)
    pred = np.zeros((20, 30), bool)
    pred[5:10, 5:10] = True
    gt = np.zeros((20, 30), np.uint8)
    gt[2:18, 12:28] = 1
    out = draw_sample(frame, pred, gt, alpha=0.5)
    assert tuple(out[7, 7]) == tuple(int(c * 0.5) for c in PRED_RGB)
    assert tuple(out[0, 0]) == (0, 0, 0)
    import cv2
    green = (out == np.array(GT_RGB)).all(-1)
    band = cv2.dilate(gt, np.ones((3, 3), np.uint8)) - cv2.erode(gt, np.ones((3, 3), np.uint8))
    assert green.sum() >= 2 * 16 and not (green & (band == 0)).any()  # only its boundary
    with pytest.raises(ValueError, match='prediction is'):
        draw_sample(frame, pred[:10])


def test_crf_unary_follows_the_official_recipe():
    from hgpu.crf import TAU, crf_unary_probs
    prob = np.array([[0.0, 0.25], [0.5, 0.8]])
    u = crf_unary_probs(prob)
    p = np.uint8(np.uint8(prob * 255) / 204 * 255) / 255.0  # divided by the max (204)
    sig = 1 / (1 + np.exp(-p))
    np.testing.assert_allclose(u[1], -np.log(1 - p + 1e-8) / (TAU * (1 / (1 + np.exp(-(1 - p))))),
                               rtol=1e-6)
    np.testing.assert_allclose(u[0], -np.log(p + 1e-8) / (TAU * sig), rtol=1e-6)
    assert p[1, 1] == 1.0  # the maximum becomes 1
    with pytest.raises(ValueError, match='probabilities'):
        crf_unary_probs(prob * 2)


def test_crf_cleans_a_noisy_blob():
    pytest.importorskip('pydensecrf')
    from hgpu.crf import davis_crf
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:48, :48]
    obj = (yy - 24) ** 2 + (xx - 24) ** 2 < 12 ** 2
    image = np.where(obj[..., None], 200, 40).astype(np.uint8).repeat(3, axis=2)
    prob = np.clip(np.where(obj, 0.7, 0.3) + rng.normal(0, 0.25, obj.shape), 0, 1)
    out = davis_crf(image, prob)
    iou = lambda a, b: (a & b).sum() / (a | b).sum()  # noqa: E731
    assert out.dtype == np.uint8 and set(np.unique(out)) <= {0, 1}
    assert iou(out > 0, obj) > iou(prob > 0.5, obj) + 0.1
    with pytest.raises(ValueError, match='differ in size'):
        davis_crf(image, prob[:10])


def test_video_inputs_need_one_flow_per_pair(tmp_path):
    import cv2
    from hgpu.infer import video_pairs
    frames, flows = tmp_path / 'bear', tmp_path / 'bear_flow'
    frames.mkdir()
    flows.mkdir()
    for k in range(4):
        cv2.imwrite(str(frames / f'{k:05d}.jpg'), np.zeros((8, 8, 3), np.uint8))
    for k in range(2):
        cv2.imwrite(str(flows / f'{k:05d}_{k + 1:05d}.png'), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="video 'bear': 4 frames .* 2 flow images"):
        video_pairs(str(frames), str(flows))
    cv2.imwrite(str(flows / '00002_00003.png'), np.zeros((8, 8, 3), np.uint8))
    pairs = video_pairs(str(frames), str(flows))
    assert [p[2].endswith(f'{k:05d}_{k + 1:05d}.png') for k, p in enumerate(pairs)] == [True] * 3
