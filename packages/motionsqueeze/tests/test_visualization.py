"""The displacement-field picture (colour wheel + confidence), the hook and the inferencer."""
import os.path as osp

import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'motionsqueeze', 'msnet_tsm-r18_1x1x8_6e_synthetic.py')


def test_flow_colour_wheel_directions_and_magnitude():
    from motionsqueeze.hooks import flow_to_rgb
    right = flow_to_rgb(np.array([[[1.0]], [[0.0]]]))[0, 0]
    down = flow_to_rgb(np.array([[[0.0]], [[1.0]]]))[0, 0]
    left = flow_to_rgb(np.array([[[-1.0]], [[0.0]]]))[0, 0]
    still = flow_to_rgb(np.array([[[0.0]], [[0.0]]]))[0, 0]
    half = flow_to_rgb(np.array([[[0.5]], [[0.0]]]))[0, 0]
    assert tuple(right) == (255, 0, 0) and tuple(left) == (0, 255, 255)  # hue 0 / 180 deg
    assert tuple(down) == (128, 255, 0)  # hue 90 deg
    assert tuple(still) == (0, 0, 0) and tuple(half) == (128, 0, 0)  # value = magnitude


def test_draw_sample_layout_and_border():
    from motionsqueeze.hooks import draw_sample
    flow = torch.zeros(3, 2, 4, 4)
    flow[1, 0] = 2 / 7  # pair 1 moves right
    conf = torch.ones(3, 1, 4, 4)
    conf[2] = 0.5
    pic = draw_sample(flow, conf, pred_label=1, gt_label=2, cell=8, border=1)
    assert pic.shape == (2 * 8 + 2, 3 * 8 + 2, 3)
    assert tuple(pic[0, 0]) == (220, 0, 0)  # wrong prediction: red border
    assert tuple(pic[4, 1 + 8 + 4]) == (255, 0, 0)  # flow row, pair 1: right = red, full
    assert tuple(pic[4, 1 + 4]) == (0, 0, 0)  # pair 0: no motion
    assert tuple(pic[1 + 8 + 4, 1 + 16 + 4]) == (128, 128, 128)  # confidence 0.5
    frames = np.full((4, 16, 16, 3), 77, np.uint8)
    assert draw_sample(flow, conf, frames, cell=8, border=1).shape == (3 * 8 + 2, 26, 3)
    with pytest.raises(ValueError, match='flow'):
        draw_sample(torch.zeros(3, 4, 4), conf)


def test_inferencer_reads_a_video_and_draws_the_flow(tmp_path):
    import motionsqueeze  # noqa: F401
    from cvshared.datasets.something_synthetic import render_motion_clip, write_webm
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from motionsqueeze.infer import INFERENCER
    clip = render_motion_clip(np.random.default_rng(0), (0, 2), 8, (64, 64))
    video = str(tmp_path / 'clip.webm')
    write_webm(video, clip)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(SYNTHETIC).model).eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    payload = INFERENCER(SYNTHETIC, str(tmp_path / 'model.pth'))([video],
                                                                 out_dir=str(tmp_path / 'o'))
    result = payload['results'][0]
    assert len(result['scores']) == 4 and result['pred_label'] == int(np.argmax(result['scores']))
    motion = np.load(result['files'][1])
    assert motion['flow'].shape == (7, 2, 8, 8) and motion['confidence'].shape == (7, 1, 8, 8)
    assert np.abs(motion['flow']).max() <= 1 and osp.isfile(result['files'][0])
