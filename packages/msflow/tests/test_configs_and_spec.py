"""The configs (paper schedule per category, synthetic) and the PaperSpec."""
import glob
import os.path as osp
import statistics

import msflow  # noqa: F401
import numpy as np
import pytest
import torch
import yaml
from cvshared.datasets.mvtec import MVTEC_AD_CATEGORIES, VISA_CATEGORIES
from mmengine.config import Config
from mmengine.evaluator import Evaluator
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
    assert cfg.test_evaluator[-1].integration == 'both'  # PRO (official) and PRO_exact
    # the official extractor pads with reflection; the fast path is on
    assert cfg.model.backbone.padding_mode == 'reflect' and cfg.model.fast_path is True
    assert cfg.default_hooks.fail_fast.type == 'FailFastHook'  # from the shared runtime base


def test_data_root_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv('DATA_ROOT', '/somewhere/mvtec')
    cfg = _load('msflow_wrn50-2_100e_mvtec-bottle.py')
    assert cfg.test_dataloader.dataset.data_root == '/somewhere/mvtec'


def test_paper_spec(tmp_path):
    assert set(SPEC.runs) == set(MVTEC_AD_CATEGORIES)
    for path in list(SPEC.runs.values()) + list(SPEC.synthetic_runs.values()):
        assert osp.isfile(osp.join(REPO, path)), path
    with pytest.raises(FileNotFoundError, match='train/good'):
        SPEC.check_data(str(tmp_path), 'bottle')
    SPEC.make_synthetic(str(tmp_path))
    SPEC.check_data(str(tmp_path), 'synthetic')


def test_reported_keys_are_what_the_test_evaluator_returns():
    """SPEC.reported's keys are produced by the paper config's test evaluator (built and run
    on a few fake predictions), so reproduce compares like with like."""
    cfg = _load('msflow_wrn50-2_100e_mvtec-bottle.py')
    evaluator = Evaluator([dict(m) for m in cfg.test_evaluator])
    rng = np.random.default_rng(0)
    samples = []
    for i in range(4):
        mask = np.zeros((8, 8), np.uint8)
        if i % 2:
            mask[2:5, 3:6] = 1
        amap = rng.random((8, 8)).astype(np.float32) + mask
        samples.append(dict(gt_label=torch.tensor(i % 2), gt_mask=torch.from_numpy(mask),
                            pred_score=torch.tensor(float(amap.max())),
                            anomaly_map=torch.from_numpy(amap),
                            anomaly_map_mul=torch.from_numpy(amap)))
    evaluator.process(samples)
    keys = set(evaluator.evaluate(4))
    assert set(SPEC.reported) <= keys
    assert keys - set(SPEC.reported) == {'mvtec/PRO_exact'}


def test_reported_means_agree_with_the_per_category_tables():
    """SPEC.reported (the paper's means) against the official README's per-category tables,
    copied independently into configs/msflow/metafile.yml: each category is printed to 0.1,
    so the mean of the 15 is within 0.05 of the exact mean, itself within 0.05 of the printed
    mean."""
    with open(osp.join(CFG_DIR, 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    per = {}
    for m in models:
        for r in m['Results']:
            if r['Dataset'] == 'MVTec AD':
                for k, v in r['Metrics'].items():
                    per.setdefault(k, []).append(v)
    assert {k: len(v) for k, v in per.items()} == {'mvtec/image_AUROC': 15,
                                                   'mvtec/pixel_AUROC': 15}
    for key, values in per.items():
        assert abs(statistics.fmean(values) - SPEC.reported[key]) <= 0.1, key
    assert SPEC.reported['mvtec/PRO'] == 97.1  # printed only as a mean (abstract, README)


def test_category_override_reaches_every_dataloader(tmp_path):
    """A custom category set as the README documents reaches the three datasets."""
    from cvshared.datasets.mvtec_synthetic import write_synthetic_mvtec
    from mmengine.registry import DATASETS
    root = write_synthetic_mvtec(str(tmp_path), categories=('my_part',), image_size=16,
                                 num_train=2, num_test_good=1, num_test_defect=1)
    cfg = _load('msflow_wrn50-2_100e_mvtec-bottle.py')
    cfg.merge_from_dict({f'{loader}.dataset.{k}': v
                         for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
                         for k, v in (('category', 'my_part'), ('data_root', root))})
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = DATASETS.build(cfg[loader].dataset)
        assert {d['category'] for d in ds.data_list} == {'my_part'}, loader
