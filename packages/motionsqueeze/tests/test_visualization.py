"""The displacement-field picture (colour wheel + confidence), the hook and the inferencer."""
import os.path as osp

import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'motionsqueeze', 'msnet_tsm-r18_1x1x8_12e_synthetic.py')


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


def test_hook_draws_each_clip_of_a_test_batch(tmp_path):
    from types import SimpleNamespace

    from mmaction.structures import ActionDataSample
    from motionsqueeze.hooks import MotionSqueezeVisualizationHook
    from motionsqueeze.models import MotionSqueezeBlock
    from PIL import Image
    torch.manual_seed(0)
    model = torch.nn.Sequential(MotionSqueezeBlock(in_channels=8, num_segments=4)).eval()
    runner = SimpleNamespace(model=model, work_dir=str(tmp_path), timestamp='t')
    hook = MotionSqueezeVisualizationHook(draw=True, test_out_dir='vis')
    hook.before_test(runner)
    assert model[0].keep_motion
    base = torch.randn(8, 12, 12)
    still = base.expand(4, 8, 12, 12)  # clip 0: identical frames -> confidence 1, no motion
    moving = torch.stack([base.roll(2 * k, 2) for k in range(4)])  # clip 1: 2 px right
    with torch.no_grad():
        model(torch.cat([still, moving]))
    outputs = []
    for name in ('a/still.webm', 'b/moving.webm'):
        s = ActionDataSample().set_gt_label(1)
        s.set_pred_score(torch.tensor([0.1, 0.9]))
        s.set_metainfo(dict(filename=name))
        outputs.append(s)
    hook.after_test_iter(runner, 0, None, outputs)
    still_png = np.asarray(Image.open(tmp_path / 't' / 'vis' / 'still.png'))
    moving_png = np.asarray(Image.open(tmp_path / 't' / 'vis' / 'moving.png'))
    assert tuple(still_png[0, 0]) == (0, 200, 0)  # right prediction: green border
    # flow row (top), centre of pair 0: black for the still clip, red (rightwards) when moving
    assert tuple(still_png[34, 34]) == (0, 0, 0)
    # (brightness relative to the clip's largest flow, which is at the wrapped columns)
    r, g, b = (int(v) for v in moving_png[34, 34])
    assert r > 30 and 4 * max(g, b) < r, (r, g, b)
    assert tuple(still_png[2 + 64 + 32, 34]) == (255, 255, 255)  # confidence 1
    hook.after_test(runner)
    assert not model[0].keep_motion and model[0].last_motion is None
