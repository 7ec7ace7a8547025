"""End to end on the synthetic DAVIS-layout set: HFAN learns (slow, ~20 s on one idle core)."""
import glob
import os.path as osp

import pytest
import torch
from cvshared.metrics.davis import constant_mask_baselines
from hfan.paper import SPEC
from mmengine.config import Config
from mmengine.runner import Runner

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
ITERS = 200
# J-Mean over the 4 toy validation videos after 200 iterations (seeds 0-3, this machine):
# 50.0 / 60.1 / 56.3 / 58.5; the all-foreground floor is 12.9. The CI machine's CPU gave 36.5
# at 150 iterations where this one gives 43.9 (one video more or less moves J by ~25 points),
# so the margin is 20 points: ~17 below the weakest seed here.
MARGIN = 0.2


@pytest.mark.slow
def test_hfan_learns_synthetic_videos(tmp_path, monkeypatch):
    torch.set_num_threads(1)
    # the Runner logs and dumps its config through yapf (seconds on a loaded 2-core machine);
    # the raw text is enough here
    monkeypatch.setattr(Config, 'pretty_text', property(lambda self: self.text))
    data_root = str(tmp_path / 'data')
    SPEC.make_synthetic(data_root)
    monkeypatch.setenv('DATA_ROOT', data_root)
    cfg = Config.fromfile(osp.join(ROOT, list(SPEC.synthetic_runs.values())[0]))
    cfg.work_dir = str(tmp_path / 'work')
    # a third of the config's schedule, no validation during training: the package's test
    # budget (40 s with -n 2 on 2 cores)
    cfg.train_cfg.max_iters = ITERS
    cfg.train_cfg.val_interval = ITERS + 1
    cfg.param_scheduler[0].end = ITERS
    cfg.default_hooks.logger.interval = 50
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
    assert j > base['all_foreground'] + MARGIN, (j, base)
    pngs = glob.glob(str(tmp_path / 'vis' / 'synth-val-000' / '*.png'))
    assert len(pngs) == 8  # one overlay per frame, per sequence
