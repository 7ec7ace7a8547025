"""End to end on the context-biased synthetic set (``make_synthetic(..., context_bias=1.0)``:
every abnormal training video in scene type A, every normal one in B, the test set reversed)
with configs/umil/umil_standin_6e_synthetic.py (the stand-in model): MIL epochs 0-3 with the
score history from epoch 0, the UMIL step after the MIL epoch 3.

The comparison is paired, as the official protocol validates (after the MIL stage and after
the UMIL step of an epoch): frame AUC of the same run right before and right after the UMIL
pass of epoch 3 (``UMILTrainLoop(validate_umil_step=True)``), i.e. the same weights with and
without the UMIL step. Two separate runs (MIL only vs MIL + UMIL) are not compared: their later
MIL epochs see other augmentations (the UMIL pass draws from the global RNG) and the MIL stage
itself swings by seed (README, Results), which buried the step's effect.

The seed is a REGRESSION seed, not evidence that the step helps in general: seed 7 was picked
after the first sweep (seeds 0-7) of the earlier two-run protocol. The protocol, the data and
the test seed 8 were then pre-registered for a held-out sweep (seeds 8-15), which did not
confirm the gain (2 of 8 positive; seed 8: MIL stage 0.247 -> 0.233): README, Results, has both
sweeps and the diagnosis. test_model.py shows what the UMIL step updates.
"""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'umil', 'umil_standin_6e_synthetic.py')
SEED = 7   # regression seed, picked after a sweep (module docstring)
# margins on this seed only: the held-out sweep justifies none (README, Results)
MIL_MARGIN, GAIN_MARGIN = 0.05, 0.03


def _train(root, work_dir, monkeypatch, seed, w_compat=1.0):
    """MIL epochs 0-3 then the UMIL pass of epoch 3 on ``root``; the frame AUC right before
    and right after that pass, and the loop."""
    monkeypatch.setenv('DATA_ROOT', str(root))
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=seed)
    cfg.model.w_compat = w_compat
    # the schedules stay those of the 6-epoch config; the run stops after the first UMIL pass
    cfg.train_cfg.update(max_epochs=4, umil_epoch=3, val_interval=3, validate_umil_step=True)
    cfg.default_hooks.logger.interval = 100
    runner = Runner.from_cfg(cfg)
    runner.train()
    loop = runner.train_loop
    assert loop.history.length == 4
    assert len(loop.umil_log) == 1 and loop.umil_log[0], 'the UMIL step never ran'
    (epoch, before, after), = loop.umil_val
    assert epoch == 3
    return before['video_anomaly/AUC'], after['video_anomaly/AUC'], loop


@pytest.mark.slow
def test_umil_step_lifts_the_mil_stage_on_the_context_biased_set(tmp_path, monkeypatch):
    """Measured (seed 7): MIL stage 0.8704 -> with the UMIL step 0.9398 (+6.94 points); with
    the compatibility loss zeroed the step leaves the AUC at 0.8704. The step's gain over
    seeds 0-15 spreads from -11.1 to +28.3 points (8 of 16 positive, median +0.1; README,
    Results): the
    margins hold on this seed, not on every seed."""
    from umil.datasets import make_synthetic
    root = tmp_path / 'data'
    make_synthetic(str(root), num_train=(6, 6), num_test=(3, 3), num_frames=(90, 150),
                   seed=1, context_bias=1.0)
    mil, umil, _ = _train(root, tmp_path / 'umil', monkeypatch, SEED)
    print(f'frame AUC: MIL stage {mil:.4f}, after the UMIL step {umil:.4f}')
    assert mil >= 0.5 + MIL_MARGIN, f'MIL stage frame AUC {mil:.4f} (chance 0.5)'
    assert umil - mil >= GAIN_MARGIN, f'UMIL {umil:.4f} vs its MIL stage {mil:.4f}'
    # the control: the same run with the compatibility loss zeroed (the step then trains only
    # the cluster head, which the score does not read) keeps the MIL stage's AUC
    mil0, umil0, _ = _train(root, tmp_path / 'nocompat', monkeypatch, SEED, w_compat=0.0)
    assert mil0 == pytest.approx(mil, abs=1e-9), 'the two runs differ before the UMIL step'
    assert abs(umil0 - mil0) < GAIN_MARGIN / 4, (umil0, mil0)

