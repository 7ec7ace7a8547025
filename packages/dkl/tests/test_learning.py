"""End to end on the synthetic set (configs/dkl/ikl-at_tinyconv_12e_synthetic.py): IKL
adversarial training beats PGD adversarial training with cross-entropy (the baseline: same
data, seed, model, attack schedule and epochs) in robust accuracy under the same PGD-10
attack at 8/255.

Protocol, fixed on development seeds 0 and 1 before the held-out seeds were run (README,
Results): 12 epochs, seed 0, margin 0.10 in robust accuracy (dev seeds 0 and 1
gave margins 0.204 and 0.216).
"""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'dkl', 'ikl-at_tinyconv_12e_synthetic.py')
MARGIN = 0.10


def train_and_attack(tmp_path, method: str, seed: int = 0) -> dict:
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / f'work_{method}_{seed}')
    cfg.model.method = method
    cfg.randomness = dict(seed=seed)
    cfg.default_hooks.logger.interval = 1000
    cfg.default_hooks.checkpoint = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner.test()


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    from dkl.datasets import make_synthetic
    root = tmp_path_factory.mktemp('dkl_synthetic')
    make_synthetic(str(root))
    return root


@pytest.mark.slow
def test_ikl_at_beats_pgd_at_in_robust_accuracy(tmp_path, monkeypatch, synthetic_root):
    monkeypatch.setenv('DATA_ROOT', str(synthetic_root))
    ikl = train_and_attack(tmp_path, 'ikl')
    base = train_and_attack(tmp_path, 'pgd_at')
    assert ikl['robust/natural'] > 0.5, ikl        # chance 0.1
    assert ikl['robust/PGD'] >= base['robust/PGD'] + MARGIN, (ikl, base)
