"""End to end on the synthetic DAVIS-16 frame-pair set: HGPU learns (slow).

Protocol fixed before looking at the test result: the synthetic config's data (seed 0,
16 + 4 sequences of 8 frames, 64 x 64), its model and optimiser, ITERS iterations with the
poly decay shortened to them, one torch thread; J-Mean of the val pairs against predicting all
foreground / all background on the same frames.
"""
import glob
import os.path as osp

import pytest
import torch
from cvshared.metrics.davis import constant_mask_baselines
from mmengine.config import Config
from mmengine.runner import Runner

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
ITERS = 80


@pytest.mark.slow
def test_hgpu_learns_synthetic_videos(tmp_path, monkeypatch):
    from hgpu.paper import SPEC
    torch.set_num_threads(1)
    monkeypatch.setattr(Config, 'pretty_text', property(lambda self: self.text))
    data_root = str(tmp_path / 'data')
    SPEC.make_synthetic(data_root)
    monkeypatch.setenv('DATA_ROOT', data_root)
    cfg = Config.fromfile(osp.join(ROOT, SPEC.synthetic_runs['synthetic_davis16']))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg.max_iters = ITERS
    cfg.train_cfg.val_interval = ITERS + 1
    cfg.param_scheduler[0].end = ITERS
    cfg.default_hooks.logger.interval = 40
    cfg.default_hooks.checkpoint.interval = ITERS + 1
    cfg.default_hooks.visualization.update(draw=True, test_out_dir=str(tmp_path / 'vis'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    base = constant_mask_baselines(runner.test_dataloader.dataset)
    j = metrics['davis/J-Mean']
    print(f'J-Mean {j:.3f}, all-foreground {base["all_foreground"]:.3f}, '
          f'all-background {base["all_background"]:.3f}')
    assert base['all_background'] == 0.0  # every synthetic frame shows the object
    assert j > base['all_foreground'] + 0.3, (j, base)
    # one overlay per frame (8 per 8-frame video; the last one from the second output)
    assert len(glob.glob(str(tmp_path / 'vis' / 'synth-val-000_*.png'))) == 8
