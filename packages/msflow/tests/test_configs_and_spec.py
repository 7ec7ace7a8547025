"""The configs (paper schedule per category, synthetic) and the PaperSpec."""
import glob
import os.path as osp

import pytest
from cvshared.datasets.mvtec import MVTEC_AD_CATEGORIES, VISA_CATEGORIES
from mmengine.config import Config
from msflow.paper import SPEC

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
CFG_DIR = osp.join(REPO, 'configs', 'msflow')


def _load(name):
    return Config.fromfile(osp.join(CFG_DIR, name))


def test_one_config_per_category():
    names = {osp.basename(p) for p in glob.glob(osp.join(CFG_DIR, 'msflow_wrn50-2_*.py'))}
    expected = {f'msflow_wrn50-2_100e_mvtec-{c}.py' for c in MVTEC_AD_CATEGORIES} | {
        f'msflow_wrn50-2_100e_visa-{c}.py' for c in VISA_CATEGORIES}
    assert names == expected


@pytest.mark.parametrize('dataset,category', [('mvtec', 'zipper'), ('visa', 'pcb3')])
def test_category_configs_set_the_paper_schedule(dataset, category):
    cfg = _load(f'msflow_wrn50-2_100e_{dataset}-{category}.py')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.category == category
    assert cfg.train_dataloader.dataset.type == (
        'MVTecADDataset' if dataset == 'mvtec' else 'VisAMVTecDataset')
    assert cfg.train_dataloader.batch_size == 8
    assert cfg.model.parallel_blocks == (2, 5, 8) and cfg.model.cond_channels == 64
    assert cfg.model.clamp_alpha == 1.9 and cfg.model.top_k_ratio == 0.03
    assert cfg.model.backbone.model_name == 'wide_resnet50_2'
    assert cfg.train_dataloader.dataset.pipeline[0].img_size == 512
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-4)
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=2)
    assert cfg.train_cfg.max_epochs == 100  # 25 meta-epochs x 4 sub-epochs
    warmup, decay = cfg.param_scheduler
    assert (warmup.start_factor, warmup.end - warmup.begin - 1) == (0.1, 12)
    assert decay.milestones == [70, 90] and decay.gamma == 0.33
    assert cfg.default_scope == 'msflow' and cfg.custom_imports.imports == ['msflow']
    prefixes = {m.prefix for m in cfg.test_evaluator}
    assert prefixes == {dataset}
    assert [m.type for m in cfg.test_evaluator][-1] == 'AnomalyPRO'
    assert cfg.test_evaluator[-1].map_key == 'anomaly_map_mul'


def test_data_root_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv('DATA_ROOT', '/somewhere/mvtec')
    cfg = _load('msflow_wrn50-2_100e_mvtec-bottle.py')
    assert cfg.test_dataloader.dataset.data_root == '/somewhere/mvtec'


def test_paper_spec(tmp_path):
    assert set(SPEC.runs) == set(MVTEC_AD_CATEGORIES)
    for path in list(SPEC.runs.values()) + list(SPEC.synthetic_runs.values()):
        assert osp.isfile(osp.join(REPO, path)), path
    assert SPEC.reported == {'mvtec/image_AUROC': 99.7, 'mvtec/pixel_AUROC': 98.8,
                             'mvtec/PRO': 97.1}
    with pytest.raises(FileNotFoundError, match='train/good'):
        SPEC.check_data(str(tmp_path), 'bottle')
    SPEC.make_synthetic(str(tmp_path))
    SPEC.check_data(str(tmp_path), 'synthetic')
