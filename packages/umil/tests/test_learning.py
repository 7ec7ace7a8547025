"""End to end on the context-biased synthetic set (``make_synthetic(..., context_bias=1.0)``:
every abnormal training video in scene type A, every normal one in B, the test set reversed)
with configs/umil/umil_standin-pt_6e_synthetic.py: the stand-in model whose video encoder is
pre-trained on the synthetic action set (the K400 analogue, tests/data/, ``umil.pretrain``),
MIL epochs 0-3 with the score history from epoch 0, the UMIL step after the MIL epoch 3.

Protocol fixed in the README before the held-out seeds ran (commit 21915c8): the paired
comparison (frame AUC of one run right before and right after the UMIL pass of epoch 3,
``UMILTrainLoop(validate_umil_step=True)``), development seeds 0-7, held-out seeds 8-15, the
test's seed 8 (the first held-out one), and the rule for what the test asserts. The held-out
sweep did NOT confirm a gain (4 of 8 seeds > 0, the rule asked for 6; seed 8: MIL stage
0.0554 -> 0.0344), so, by that rule, this test asserts no gain and no AUC above chance; it
asserts the mechanism the pre-training was built for (README, Results):

- the event labels read from the pixels are the generator's intervals (what the rest relies on);
- the pre-trained encoder, before any fine-tuning, separates the event: the clustering's pair
  targets (cos > 0.7) follow the event, where a randomly initialised encoder calls every
  pair "same" (the diagnosis of the encoders trained from scratch);
- at the UMIL step of the seed-8 run, after the MIL fine-tuning, the targets still follow it;
- the control: with the compatibility loss zeroed the step leaves the frame AUC unchanged.
"""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'umil', 'umil_standin-pt_6e_synthetic.py')
CKPT = osp.join(REPO, 'packages', 'umil', 'tests', 'data', 'standin_actions_pretrained.pt')
SEED = 8   # the first held-out seed, fixed before it ran (module docstring)
# P(same | same event flag) - P(same | different flags) of the pair targets at the UMIL step:
# 0.609 on seed 8, 0.367-0.874 on the held-out seeds 8-15, 0.228-0.807 on all 16 seeds; a
# random or from-scratch encoder: 0 (every pair "same"). 0.2: below every measured seed
PAIR_MARGIN = 0.2
# the same before fine-tuning, on the scoring clips: pre-trained 0.94, random init 0.0
ENCODER_MARGIN = 0.5


@pytest.fixture(scope='module')
def biased_set(tmp_path_factory):
    from umil.datasets import make_synthetic
    from umil.diagnosis import training_events
    root = tmp_path_factory.mktemp('umil_biased') / 'data'
    summary = make_synthetic(str(root), num_train=(6, 6), num_test=(3, 3),
                             num_frames=(90, 150), seed=1, context_bias=1.0)
    return root, summary, training_events(str(root))


def _informative(records):
    from umil.diagnosis import pair_stats
    stats = pair_stats(records, 0.7)
    return stats['p_same_given_same_label'] - stats['p_same_given_diff_label'], stats


def test_event_frames_read_from_the_pixels_are_the_generators_intervals(biased_set):
    from umil.diagnosis import event_frames
    root, summary, events = biased_set
    assert sorted(events) == list(range(6))   # the abnormal training videos, listed first
    assert summary['intervals']
    for rel, intervals in summary['intervals'].items():
        n = len([f for f in os.listdir(root / rel) if f.endswith('.jpg')])
        truth = np.zeros(n, bool)
        for s, e in intervals:
            truth[s:e] = True
        assert np.array_equal(event_frames(str(root / rel), n), truth), rel


def test_the_pretrained_encoder_separates_the_event_before_fine_tuning(biased_set,
                                                                      monkeypatch):
    """Measured: pre-trained: 47 % of the pairs "same", P(same | same flag) 0.94, P(same |
    different) 0.00, event-non-event cosines -0.59 to -0.24 (5-95 %); random init: 100 %
    "same", cosines 0.995-1.0."""
    from umil.diagnosis import snippet_features
    from umil.testing import UMILStandIn
    root, _, events = biased_set
    monkeypatch.setenv('DATA_ROOT', str(root))
    cfg = Config.fromfile(CONFIG)
    with DefaultScope.overwrite_default_scope('mmaction'):
        loader = Runner.build_dataloader(cfg.train_cfg.score_dataloader)
    gaps = {}
    for name in ('pretrained', 'random'):
        torch.manual_seed(0)
        encoder = UMILStandIn(embed_dim=32, channels=16)
        if name == 'pretrained':
            encoder.load_state_dict(load_checkpoint_file(CKPT)['state_dict'], strict=False)
        feat, flags = snippet_features(encoder, loader, events)
        assert 0 < flags.sum() < len(flags)
        gaps[name], stats = _informative([(feat, flags)])
        if name == 'random':
            assert stats['same_fraction'] == 1.0, stats
    assert gaps['pretrained'] >= ENCODER_MARGIN, gaps
    assert gaps['random'] < ENCODER_MARGIN / 5, gaps


def _train(root, work_dir, monkeypatch, seed, w_compat=1.0):
    """MIL epochs 0-3 then the UMIL pass of epoch 3 on ``root``; the frame AUC right before
    and right after that pass."""
    monkeypatch.setenv('DATA_ROOT', str(root))
    monkeypatch.setenv('UMIL_PRETRAINED', CKPT)
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
    return before['video_anomaly/AUC'], after['video_anomaly/AUC']


@pytest.mark.slow
def test_the_umil_step_pairs_follow_the_event_on_the_pretrained_encoder(biased_set, tmp_path,
                                                                        monkeypatch):
    """Seed 8, measured: MIL stage 0.0554 -> with the UMIL step 0.0344 (the MIL stage took the
    scene; no gain: README, Results, both sweeps), pair targets at the step P(same | same
    flag) 0.667, P(same | different) 0.058; with the compatibility loss zeroed the AUC stays
    0.0554."""
    from umil.diagnosis import UMILStepRecorder
    root, _, events = biased_set
    with UMILStepRecorder(events) as recorder:
        mil, umil = _train(root, tmp_path / 'umil', monkeypatch, SEED)
    print(f'frame AUC: MIL stage {mil:.4f}, after the UMIL step {umil:.4f}')
    gap, stats = _informative(recorder.records)
    assert gap >= PAIR_MARGIN, stats
    # the control: the same run with the compatibility loss zeroed (the step then trains only
    # the cluster head, which the score does not read, w_cls = 0) keeps the MIL stage's AUC
    mil0, umil0 = _train(root, tmp_path / 'nocompat', monkeypatch, SEED, w_compat=0.0)
    assert mil0 == pytest.approx(mil, abs=1e-12), 'the two runs differ before the UMIL step'
    assert umil0 == pytest.approx(mil0, abs=1e-12), (umil0, mil0)
    # ... and the compatibility loss is what moves it in the first run
    assert abs(umil - mil) > 1e-4, (umil, mil)
