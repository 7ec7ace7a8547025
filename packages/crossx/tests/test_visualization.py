"""The part attention pictures: the drawing, the hook through tools/test.py's path
(Runner.test with draw=True) and the inferencer with the checkpoint's weights."""
import glob
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'crossx', 'crossx_r50-tiny_8e_synthetic.py')


def test_draw_sample_panels_follow_the_maps():
    from crossx.hooks import draw_sample
    image = np.full((8, 8, 3), 100, np.uint8)
    maps = np.zeros((2, 2, 2), np.float32)
    maps[0, 0, 0] = 1.0   # part 0 attends to the top left
    maps[1, 1, 1] = 1.0   # part 1 to the bottom right
    out = draw_sample(image, maps, pred_label=1, gt_label=1)
    assert out.shape == (8, 24, 3)
    assert tuple(out[0, 0]) == (0, 200, 0)   # right prediction: green border
    p0, p1 = out[:, 8:16].astype(int), out[:, 16:].astype(int)
    assert p0[2, 2].sum() > p0[5, 5].sum() and p1[5, 5].sum() > p1[2, 2].sum()
    assert (out[2:6, 2:6] == 100).all()   # the image panel is untouched
    wrong = draw_sample(image, maps, pred_label=0, gt_label=1)
    assert tuple(wrong[0, 0]) == (220, 0, 0)


def test_hook_and_inferencer_draw_the_part_maps(tmp_path, monkeypatch):
    from crossx.datasets import make_synthetic
    from crossx.infer import INFERENCER
    from crossx.registry import MODELS
    root = make_synthetic(str(tmp_path / 'data'), per_class_train=1, per_class_test=1)
    monkeypatch.setenv('DATA_ROOT', root)
    cfg = Config.fromfile(CONFIG)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model).eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')

    from mmengine.runner import Runner
    cfg.work_dir = str(tmp_path / 'work')
    cfg.load_from = str(tmp_path / 'model.pth')
    cfg.default_hooks.visualization = dict(type='CrossxVisualizationHook', draw=True,
                                           test_out_dir=str(tmp_path / 'vis'))
    Runner.from_cfg(cfg).test()
    pictures = sorted(glob.glob(str(tmp_path / 'vis' / '*.png')))
    assert len(pictures) == 4   # one per test image
    assert np.asarray(Image.open(pictures[0])).shape == (64, 3 * 64, 3)

    images = sorted(glob.glob(osp.join(root, 'images', '*', '*.png')))[:2]
    payload = INFERENCER(CONFIG, str(tmp_path / 'model.pth'))(images, out_dir=str(tmp_path / 'o'))
    for image, result in zip(images, payload['results']):
        x = torch.from_numpy(np.asarray(Image.open(image).convert('RGB'), np.float32))
        with torch.no_grad():
            data = model.data_preprocessor(dict(inputs=[x.permute(2, 0, 1)]), False)
            expected = int(model(data['inputs'], mode='tensor').argmax())
        assert result['pred_label'] == expected   # the checkpoint's weights, not new ones
        assert np.asarray(result['part_maps']).shape == (2, 2, 2)
        drawing = np.asarray(Image.open(result['files'][0]))
        assert tuple(drawing[0, 0]) == (128, 128, 128)   # no ground truth: grey border
