"""End to end on the synthetic set (4 classes that differ only in two 5 x 5 parts, chance
25 %): Cross-X learns. Measured with this config and seed (README, Results): Cross-X 75.0 %
top-1 in the comparison run (81.2 % in this test, which tests once before training and so
draws the random numbers differently), its plain ResNet baseline
(configs/crossx/baseline_r50-tiny_8e_synthetic.py: same trunk, data, schedule and seed)
62.5 %. Beating the baseline was NOT shown on held-out seeds (1: 45.3
vs 51.6, 2: 85.9 vs 68.8, 3: 50.0 vs 40.6), so this test asserts learning only."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'crossx', 'crossx_r50-tiny_8e_synthetic.py')


@pytest.mark.slow
def test_learns_on_synthetic_data(tmp_path, monkeypatch):
    from crossx.datasets import make_synthetic
    root = make_synthetic(str(tmp_path / 'data'), seed=0)
    monkeypatch.setenv('DATA_ROOT', root)
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0)
    cfg.default_hooks.logger.interval = 1000
    runner = Runner.from_cfg(cfg)
    before = runner.test()['accuracy/top1']
    runner.train()
    after = runner.test()['accuracy/top1']
    # measured 81.2 here; 50 = chance x 2 (16 of 64 test images above chance), far below it
    assert after >= 50.0, f'top-1 {after:.1f} after training (chance 25, before {before:.1f})'
    assert after > before + 20
