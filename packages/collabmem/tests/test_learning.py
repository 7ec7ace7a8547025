"""End to end on the synthetic two-clip XOR set: the memory model (video-level training, 2
clips per video and iteration) against its clip-level base model (the same recognizer without
the memory, one clip per video and iteration, the 2 test clips' scores averaged) on the same
schedule (10 epochs of 8 batches of 8 videos, Adam 3e-3).

A clip-level model scores a video ``h(a) + h(b)`` and cannot fit XOR: on the balanced
validation set it is capped at 75 % (chance 50 %). Protocol fixed before the held-out seeds
(README, Results): memory >= 90 % and at least 20 points above the base. Measured (seed =
data seed; 64 train / 32 val videos): dev seeds 0-2 memory 100 / 100 / 100, base 72 / 25 / 25;
held-out seeds 3-7 memory 100 x 5, base 50 / 25 / 50 / 34 / 50. This test runs seed 3.
"""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIGS = osp.join(REPO, 'configs', 'collabmem')
MEMORY = osp.join(CONFIGS, 'collabmem_r3d-tiny_2x4x1_10e_synthetic.py')
BASE = osp.join(CONFIGS, 'collabmem_r3d-tiny_1x4x1_10e_synthetic-base.py')
SEED = 3


def _train_and_test(config, root, work):
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work)
    cfg.randomness = dict(seed=SEED)
    cfg.default_hooks.logger.interval = 1000
    cfg.log_level = 'WARNING'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = str(root)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner.test()['acc/top1']


@pytest.mark.slow
def test_memory_beats_clip_level_base(tmp_path):
    from collabmem.datasets import make_synthetic
    root = tmp_path / 'data'
    make_synthetic(str(root), num_train=64, num_val=32, seed=SEED)
    memory = _train_and_test(MEMORY, root, tmp_path / 'memory')
    base = _train_and_test(BASE, root, tmp_path / 'base')
    assert memory >= 0.9, f'memory top-1 {memory:.3f} (base {base:.3f}, chance 0.5)'
    assert memory >= base + 0.2, f'memory {memory:.3f} vs clip-level base {base:.3f}'
