"""End to end on the synthetic set: crossx learns (top-1 clearly above the 50 % of chance)."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'crossx', 'crossx_convnet_6e_synthetic.py')


@pytest.mark.slow
def test_learns_on_synthetic_data(tmp_path, monkeypatch):
    from crossx.datasets import make_synthetic
    root = tmp_path / 'data'
    make_synthetic(str(root), num_train=64, num_val=32, seed=1)
    monkeypatch.setenv('DATA_ROOT', str(root))
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.default_hooks.logger.interval = 100
    runner = Runner.from_cfg(cfg)
    before = runner.test()['accuracy/top1']
    runner.train()
    after = runner.test()['accuracy/top1']
    assert after >= 0.9, f'top-1 {after:.3f} after training (chance 0.5, before {before:.3f})'
    assert after > before + 0.2
