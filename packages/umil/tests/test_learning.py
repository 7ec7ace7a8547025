"""End to end with configs/umil/umil_standin-pt_6e_synthetic.py: the stand-in model whose
video encoder is pre-trained on the synthetic action set (the K400 analogue, tests/data/,
``umil.pretrain``), MIL epochs 0-3 with the score history from epoch 0, the UMIL step after the
MIL epoch 3 (frame AUC right before and right after that pass,
``UMILTrainLoop(validate_umil_step=True)``).

- the event labels read from the pixels are the generator's intervals (what the rest relies
  on; context-biased set, ``context_bias=1.0``);
- the pre-trained encoder, before any fine-tuning, separates the event: the clustering's pair
  targets (cos > 0.7) follow the event, where a randomly initialised encoder calls every pair
  "same" (the diagnosis of the encoders trained from scratch);
- the method learns: on the unbiased set (``context_bias=0``), seed 0 (fixed before it ran,
  README, Results, protocol of 2026-12-02 15:07 UTC), the frame AUC after the MIL stage and
  the UMIL step is far above chance, and at the step the pair targets follow the event.
  The sweep of seeds 0-7 did NOT meet that protocol's robustness rule (4 of 8 MIL stages rank
  the event below the rest, README): the AUC bound is seed 0's, not a claim for every seed;
- with the text prior's analogue (configs/umil/umil_standin-pt-words_6e_synthetic.py, official
  default heads), the UMIL step lifts its MIL stage on the context-biased set: protocol H1
  (README, 2026-12-02 17:47 UTC), met on the held-out seeds 8-15 (6 of 8 > 0, the rule's
  minimum); seed 8, fixed before, is asserted by the rule's bound.
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
WORDS_CONFIG = osp.join(REPO, 'configs', 'umil', 'umil_standin-pt-words_6e_synthetic.py')
WORDS_CKPT = osp.join(REPO, 'packages', 'umil', 'tests', 'data',
                      'standin_actions_words_pretrained.pt')
PRIOR_SEED = 8   # the first held-out seed, fixed before the held-out runs (README, H1)
# the held-out rule's bound: half of min(seed 8's gain 0.004906, the held-out median 0.037163)
PRIOR_GAIN_BOUND = 0.5 * min(0.004906, 0.037163)
SEED = 0   # fixed before it ran (module docstring)
# frame AUC after the UMIL step, seed 0: 0.9423 (MIL stage 0.9418). Seeds 0-7 (README): 0.94,
# 0.28, 0.67, 0.28, 0.06, 0.11, 0.89, 0.91: the bound is seed 0's (a run 14 points lower, or
# one that took the wrong orientation, fails), clearly above chance
AUC_BOUND = 0.80
# P(same | same event flag) - P(same | different flags) of the pair targets at the UMIL step,
# unbiased set: 0.667 on seed 0, 0.179-0.734 on seeds 0-7; a random or from-scratch encoder:
# 0 (every pair "same"). 0.15: below every measured seed
PAIR_MARGIN = 0.15
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


@pytest.fixture(scope='module')
def plain_set(tmp_path_factory):
    from umil.datasets import make_synthetic
    from umil.diagnosis import training_events
    root = tmp_path_factory.mktemp('umil_plain') / 'data'
    make_synthetic(str(root), num_train=(6, 6), num_test=(3, 3), num_frames=(90, 150), seed=1,
                   context_bias=0.0)
    return root, training_events(str(root))


def _paired_run(config, root, events, seed, work_dir, monkeypatch, options=None):
    """MIL epochs 0-3 (history from 0) and the UMIL pass after epoch 3 of ``config``; frame AUC
    right before / right after that pass (``validate_umil_step``) and the step's recorder."""
    from umil.diagnosis import UMILStepRecorder
    monkeypatch.setenv('DATA_ROOT', str(root))
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=seed)
    # the schedules stay those of the 6-epoch config; the run stops after the first UMIL pass
    cfg.train_cfg.update(max_epochs=4, umil_epoch=3, val_interval=3, validate_umil_step=True)
    cfg.default_hooks.logger.interval = 100
    with UMILStepRecorder(events) as recorder:
        runner = Runner.from_cfg(cfg)
        runner.train()
    loop = runner.train_loop
    assert loop.history.length == 4
    assert len(loop.umil_log) == 1 and loop.umil_log[0], 'the UMIL step never ran'
    (epoch, before, after), = loop.umil_val
    assert epoch == 3
    return before['video_anomaly/AUC'], after['video_anomaly/AUC'], recorder


@pytest.mark.slow
def test_the_method_learns_the_event_on_the_unbiased_set(plain_set, tmp_path, monkeypatch):
    """Seed 0, measured: frame AUC 0.9418 after the MIL stage, 0.9423 after the UMIL step;
    pair targets at the step P(same | same flag) 0.807, P(same | different) 0.140."""
    root, events = plain_set
    monkeypatch.setenv('UMIL_PRETRAINED', CKPT)
    mil, umil, recorder = _paired_run(CONFIG, root, events, SEED, tmp_path, monkeypatch)
    print(f'frame AUC: MIL stage {mil:.4f}, after the UMIL step {umil:.4f}')
    assert umil >= AUC_BOUND, (mil, umil)
    gap, stats = _informative(recorder.records)
    assert gap >= PAIR_MARGIN, stats


@pytest.mark.slow
def test_with_the_text_prior_the_umil_step_lifts_its_mil_stage_on_the_biased_set(
        biased_set, tmp_path, monkeypatch):
    """Protocol H1 (README, 17:47 UTC), met on the held-out seeds 8-15 (gains +0.49, +4.26,
    +22.50, +3.17, +10.95, +51.83, -19.30, -1.08: mean +9.10, 6 of 8 > 0; rule: mean > 0 and
    6 of 8). The test's seed, 8, fixed before: MIL stage 0.9347 -> 0.9396 after the step
    (+0.49 points); bound, by the rule: half of min(+0.49, the held-out median +3.72)."""
    root, _, events = biased_set
    monkeypatch.setenv('UMIL_PRETRAINED', WORDS_CKPT)
    cfg = Config.fromfile(WORDS_CONFIG)
    # the prior's analogue with the official default heads
    assert cfg.model.backbone.text == 'words' and 'head_init' not in cfg.model.backbone
    mil, umil, _ = _paired_run(WORDS_CONFIG, root, events, PRIOR_SEED, tmp_path, monkeypatch)
    print(f'frame AUC: MIL stage {mil:.4f}, after the UMIL step {umil:.4f}')
    assert umil - mil >= PRIOR_GAIN_BOUND, (mil, umil)
