"""Tests of cvshared.wsss.draw: the colours are the stated blends, panels tile the width."""
import numpy as np
import pytest
import torch
from cvshared.wsss.draw import (
    CAPTION_H,
    draw_cam_overlay,
    draw_label_overlay,
    draw_pipeline,
    heat_overlay,
    jet,
    label_overlay,
)

PALETTE = [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]]


def _img(h=20, w=24, seed=0):
    return np.random.RandomState(seed).randint(0, 256, (h, w, 3)).astype(np.uint8)


def test_jet_end_points_and_middle():
    np.testing.assert_allclose(jet(np.array([0.0, 0.5, 1.0, 2.0])),
                               [[0, 0, 0.5], [0.5, 1, 0.5], [0.5, 0, 0], [0.5, 0, 0]])


def test_label_overlay_colour_is_the_palette_blend():
    img = _img()
    label = np.zeros((20, 24), np.int64)
    label[2:8, 3:9] = 2
    label[10:14, 10:20] = 3
    label[0, :] = 255
    out = label_overlay(img, label, PALETTE, alpha=0.4)
    y, x = 5, 5
    want = np.rint(0.6 * img[y, x].astype(float) + 0.4 * np.array(PALETTE[2]))
    np.testing.assert_array_equal(out[y, x], want)
    np.testing.assert_array_equal(out[12, 15], np.rint(0.6 * img[12, 15] + 0.4 * np.array(
        PALETTE[3])))
    assert not np.array_equal(out[y, x], img[y, x])
    np.testing.assert_array_equal(out[label == 0], img[label == 0])   # background: the image
    assert (out[0] == 255).all()                                      # ignore: white


def test_heat_overlay_colour_is_the_jet_blend():
    img = _img()
    v = np.zeros((20, 24))
    v[4, 6] = 1.0
    out = heat_overlay(img, v, alpha=0.5)
    np.testing.assert_array_equal(out[4, 6], np.rint(0.5 * img[4, 6] + [63.75, 0, 0]))
    np.testing.assert_array_equal(out[0, 0], np.rint(0.5 * img[0, 0] + [0, 0, 63.75]))


def test_cam_overlay_has_one_captioned_panel_per_class():
    img = _img()
    cam = np.random.RandomState(1).rand(3, 20, 24)
    out = draw_cam_overlay(img, cam, keys=torch.tensor([0, 4, 14]),
                           class_names=[f'c{i}' for i in range(20)])
    assert out.shape == (20 + CAPTION_H, 3 * 24, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[CAPTION_H:, 24:48], heat_overlay(img, cam[1]))
    assert out[:CAPTION_H, :24].max() > 200        # caption text drawn in white (antialiased)
    assert (out[:CAPTION_H, 20:24] == 0).all()     # on a black band
    np.testing.assert_array_equal(draw_cam_overlay(img, cam, [0, 4, 14], caption=False)[:, 48:],
                                  heat_overlay(img, cam[2]))


@pytest.mark.parametrize('gt', [False, True])
def test_pipeline_panels_tile_the_width(gt):
    img = _img()
    cam = np.random.RandomState(2).rand(2, 20, 24)
    label = np.random.RandomState(3).randint(0, 4, (20, 24))
    out = draw_pipeline(img, cam, cam * 0.5, label, gt=label if gt else None, palette=PALETTE)
    n = 5 if gt else 4
    assert out.shape == (20 + CAPTION_H, n * 24, 3)
    body = out[CAPTION_H:]
    np.testing.assert_array_equal(body[:, :24], img)
    np.testing.assert_array_equal(body[:, 72:96], label_overlay(img, label, PALETTE))
    # CAM panel: the maximum over the classes, max-normalised
    m = cam.max(0)
    np.testing.assert_array_equal(body[:, 24:48], heat_overlay(img, m / m.max()))
    # an integer random-walk result is drawn as a label map
    out = draw_pipeline(img, cam, label, label, palette=PALETTE, caption=False)
    np.testing.assert_array_equal(out[:, 48:72], label_overlay(img, label, PALETTE))


def test_draw_label_overlay_and_chw_input():
    img = _img()
    label = np.ones((20, 24), np.int64)
    a = draw_label_overlay(torch.from_numpy(img).permute(2, 0, 1), label, PALETTE)
    assert a.shape == (20 + CAPTION_H, 24, 3)
    np.testing.assert_array_equal(a[CAPTION_H:], label_overlay(img, label, PALETTE))


def test_errors():
    img = _img()
    with pytest.raises(ValueError, match=r'CAM is 20x23 .* image is 20x24'):
        draw_cam_overlay(img, np.zeros((1, 20, 23)), [0])
    with pytest.raises(ValueError, match=r'label ids must lie in 0\.\.3'):
        label_overlay(img, np.full((20, 24), 7), PALETTE)
    with pytest.raises(ValueError, match='uint8'):
        heat_overlay(img.astype(np.float32), np.zeros((20, 24)))
    with pytest.raises(ValueError, match='2 keys for 1 CAMs'):
        draw_cam_overlay(img, np.zeros((1, 20, 24)), [0, 1])
