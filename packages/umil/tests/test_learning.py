"""End to end on the synthetic set: UMIL learns (frame AUC clearly above 0.5) through all three
stages (MIL, the history and split, the UMIL step; test_model.py shows what the step updates).

The paper's claim that the UMIL step lifts the AUC over the MIL-only stage does NOT hold on
this synthetic set: with the committed synthetic config (seed 0, default set), 6 MIL-only
epochs give 0.9708 and 6 epochs with the UMIL step from epoch 3 give 0.9458; an earlier
16-clip 8-epoch variant gave 0.9644 (MIL only) vs 0.9756 (UMIL from 5). The sign flips
between settings, so the test asserts no order (README, Results).

One run of configs/umil/umil_standin_6e_synthetic.py: MIL epochs 0-2 (the history from epoch
0), validation after epoch 2 = the MIL-only stage; epochs 3-5 add the UMIL step after each
MIL epoch; the final validation. Note: MIL keeps training in epochs 3-5, so the second figure mixes
more MIL with the UMIL step (README, Results, has a separate MIL-only run of equal length).
"""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'umil', 'umil_standin_6e_synthetic.py')


@pytest.mark.slow
def test_learns_on_synthetic_data_through_the_three_stages(tmp_path, monkeypatch):
    from umil.datasets import make_synthetic
    root = tmp_path / 'data'
    make_synthetic(str(root), num_train=(4, 4), num_test=(3, 3), num_frames=(60, 100),
                   seed=1)
    monkeypatch.setenv('DATA_ROOT', str(root))
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.randomness = dict(seed=0)
    cfg.train_cfg.umil_epoch = 3
    cfg.train_cfg.val_interval = 3
    cfg.default_hooks.logger.interval = 100
    runner = Runner.from_cfg(cfg)
    aucs = []
    runner.register_hook(_Record(aucs), priority='LOWEST')
    runner.train()
    loop = runner.train_loop
    assert len(loop.umil_log) == 3 and all(loop.umil_log), 'the UMIL step never ran'
    assert loop.history.length == 6
    mil_stage, final = aucs
    print(f'frame AUC: MIL stage {mil_stage:.4f}, after the UMIL epochs {final:.4f}')
    assert final >= 0.85, f'frame AUC {final:.3f} after training (chance 0.5)'
    assert mil_stage >= 0.8, f'MIL stage frame AUC {mil_stage:.3f}'



class _Record(Hook):
    def __init__(self, aucs):
        self.aucs = aucs

    def after_val_epoch(self, runner, metrics=None):
        self.aucs.append(metrics['video_anomaly/AUC'])
