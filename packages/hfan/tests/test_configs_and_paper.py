"""Configs build, the photometric transform, and the paper spec."""
import glob
import os
import os.path as osp

import numpy as np
import pytest
from hfan.datasets import PairPhotoMetricDistortion
from hfan.paper import SPEC
from mmengine.config import Config
from mmseg.registry import MODELS

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
SYNTHETIC = 'hfan_mit-tiny_1xb4-600it_davis-synthetic.py'
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs/hfan/*.py')))


def test_there_are_paper_and_synthetic_configs():
    names = [osp.basename(c) for c in CONFIGS]
    assert any('mit-b1' in n for n in names) and any('mit-b2' in n for n in names)
    assert sum(n.endswith('synthetic.py') for n in names) == 1


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmseg' and cfg.custom_imports.imports == ['hfan']
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator',
                'test_evaluator', 'optim_wrapper', 'train_cfg', 'val_cfg', 'test_cfg'):
        assert key in cfg, key
    model_cfg = cfg.model.copy()
    model_cfg.decode_head.norm_cfg = dict(type='BN')  # SyncBN needs a process group
    model = MODELS.build(model_cfg)
    assert type(model.decode_head).__name__ == 'HFANHead'
    assert model.decode_head.select_method == 'hfan'
    if 'mit-b2' in path:
        assert len(model.backbone.backbone.layers[2][1]) == 6
        assert model.decode_head.linear_fuse.conv.out_channels == 768


def test_pair_photometric_distortion_acts_on_each_image():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (16, 16, 6), dtype=np.uint8)
    np.random.seed(1)
    out = PairPhotoMetricDistortion()(dict(img=img.copy()))['img']
    assert out.shape == (16, 16, 6)
    np.random.seed(1)
    again = PairPhotoMetricDistortion()(dict(img=img.copy()))['img']
    np.testing.assert_array_equal(out, again)
    with pytest.raises(ValueError, match='H x W x 3k'):
        PairPhotoMetricDistortion()(dict(img=img[..., :4]))


def test_paper_spec(tmp_path):
    assert SPEC.key == 'hfan'
    assert SPEC.reported['davis/J&F-Mean'] == 88.7
    for path in list(SPEC.runs.values()) + list(SPEC.synthetic_runs.values()):
        assert osp.isfile(osp.join(ROOT, path)), path
    with pytest.raises(FileNotFoundError, match='FlowImages'):
        SPEC.check_data(str(tmp_path), 'any')
    SPEC.make_synthetic(str(tmp_path / 'syn'))
    assert len(os.listdir(tmp_path / 'syn/JPEGImages/480p')) == 20
    SPEC.check_data(str(tmp_path / 'syn'), 'any')


def test_multiscale_flip_test_runs(tmp_path, monkeypatch):
    """The b2 config's TTA pipeline (frame + flow, 3 scales x flip) runs through SegTTAModel."""
    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    from mmengine.runner import Runner
    make_davis_synthetic(str(tmp_path / 'd'), num_train=1, num_val=1, num_frames=3,
                         size=(32, 32))
    monkeypatch.setenv('DATA_ROOT', str(tmp_path / 'd'))
    cfg = Config.fromfile(osp.join(ROOT, 'configs/hfan', SYNTHETIC))
    b2 = Config.fromfile(
        osp.join(ROOT, 'configs/hfan', 'hfan_mit-b2_2xb8-4k-refine_davis16-512x512.py'))
    cfg.work_dir = str(tmp_path / 'w')
    cfg.model = dict(type='SegTTAModel', module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = b2.tta_pipeline
    cfg.default_hooks.visualization.update(draw=True, test_out_dir=str(tmp_path / 'vis'))
    metrics = Runner.from_cfg(cfg).test()
    assert 0.0 <= metrics['davis/J&F-Mean'] <= 1.0
    assert len(os.listdir(tmp_path / 'vis' / 'synth-val-000')) == 3
