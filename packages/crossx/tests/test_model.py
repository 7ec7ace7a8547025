"""Shapes, gradients, data layout errors, the converter and the drawing of crossx."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image


def _model():
    from crossx.models import CrossxClassifier
    return CrossxClassifier(backbone=dict(type='CrossxConvNet', channels=(4, 8)), num_classes=2)


def test_shapes_and_gradients():
    model = _model()
    x = torch.rand(3, 3, 16, 16, requires_grad=True)
    logits = model(x, mode='tensor')
    assert logits.shape == (3, 2)
    loss = model(x, [dict(label=0), dict(label=1), dict(label=1)], mode='loss')['loss']
    loss.backward()
    assert x.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_missing_data_shows_the_tree(tmp_path):
    from crossx.datasets import CrossxFolderDataset
    with pytest.raises(FileNotFoundError) as err:
        CrossxFolderDataset(data_root=str(tmp_path / 'none'), split='train')
    assert str(tmp_path / 'none') in str(err.value) and 'vertical/*.png' in str(err.value)


def test_synthetic_set_is_read_back(tmp_path):
    from crossx.datasets import CrossxFolderDataset, make_synthetic
    make_synthetic(str(tmp_path), num_train=8, num_val=4, size=16)
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # the pipeline's registry
        data = CrossxFolderDataset(data_root=str(tmp_path), split='train',
                                   pipeline=[dict(type='CrossxLoadImage'),
                                             dict(type='CrossxPackInputs')])
    assert len(data) == 8
    labels = [data[i]['data_samples'].label for i in range(8)]
    assert sorted(labels) == [0] * 4 + [1] * 4
    image = data[0]['inputs']
    assert image.shape == (3, 16, 16) and 0 <= image.min() and image.max() <= 1
    # the two classes differ where they should: horizontal stripes vary along y, not x
    gray = image.mean(0)
    assert gray.std(0).mean() > 2 * gray.std(1).mean()


def test_convert_round_trip_loads_strictly():
    from crossx.convert import convert, to_official
    model = _model()
    official = {'module.' + k: v for k, v in to_official(model.state_dict()).items()}
    model.load_state_dict(convert(official), strict=True)
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})


def test_draw_sample_marks_right_and_wrong():
    from crossx.hooks import draw_sample
    image = np.zeros((10, 10, 3), np.uint8)
    right, wrong = draw_sample(image, 1, 1), draw_sample(image, 0, 1)
    assert tuple(right[0, 0]) == (0, 200, 0) and tuple(wrong[0, 0]) == (220, 0, 0)
    assert (right[4:6, 4:6] == 0).all() and image.sum() == 0   # interior and input untouched


def test_inferencer_loads_the_checkpoint_and_draws(tmp_path):
    from crossx.datasets import make_synthetic
    from crossx.infer import INFERENCER
    from crossx.registry import MODELS
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    config = osp.join(repo, 'configs', 'crossx', 'crossx_convnet_6e_synthetic.py')
    make_synthetic(str(tmp_path / 'data'), num_train=2, num_val=2, size=16)
    images = sorted(glob.glob(str(tmp_path / 'data' / 'val' / '*' / '*.png')))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(Config.fromfile(config).model).eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    payload = INFERENCER(config, str(tmp_path / 'model.pth'))(images, out_dir=str(tmp_path / 'o'))
    for image, result in zip(images, payload['results']):
        x = torch.from_numpy(np.asarray(Image.open(image).convert('RGB'), np.float32) / 255)
        with torch.no_grad():
            expected = int(model(x.permute(2, 0, 1)[None], mode='tensor').argmax())
        assert result['pred_label'] == expected   # the checkpoint's weights, not new ones
        drawing = np.asarray(Image.open(result['files'][0]))
        assert tuple(drawing[0, 0]) == (128, 128, 128)   # no ground truth: grey border
