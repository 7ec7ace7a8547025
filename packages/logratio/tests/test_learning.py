"""End to end on the synthetic stick-figure set: log-ratio + dense mining learns (retrieval
nDCG@10 and mean label distance clearly better than the untrained embedding of the same
seed)."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'logratio', 'logratio_resnet18-tiny_8e_synthetic.py')


def tiny_config(root: str, work_dir: str, epochs: int = 6) -> Config:
    """The synthetic config shrunk for CI: 32 x 32 images (28 crops), 48 training anchors,
    minibatches of 16, 12 queries against 48 gallery images, a 8-wide ResNet-18."""
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)
    for pipeline in (cfg.train_dataloader.dataset.dataset.pipeline,
                     cfg.val_dataloader.dataset.pipeline, cfg.test_dataloader.dataset.pipeline):
        for t in pipeline:
            if t['type'] == 'PoseTranslation':
                t.update(size_input=32, size_crop=28)
    for loader in (cfg.train_dataloader.dataset.dataset, cfg.val_dataloader.dataset,
                   cfg.test_dataloader.dataset):
        loader.data_root = root
    cfg.train_dataloader.dataset.batch_size = 16
    cfg.model.backbone.update(stem_channels=8, base_channels=8)
    cfg.model.in_channels = 64
    for ev in (cfg.val_evaluator, cfg.test_evaluator):
        ev.update(data_root=root, num_query=12, ndcg_ks=(10, 20))
    cfg.default_hooks.visualization.update(data_root=root, num_query=12)
    cfg.train_cfg.max_epochs = cfg.train_cfg.val_interval = epochs
    cfg.default_hooks.logger.interval = 1000
    cfg.log_level = 'WARNING'
    return cfg


@pytest.mark.slow
def test_learns_on_synthetic_data(tmp_path):
    from logratio.datasets import make_synthetic
    root = str(tmp_path / 'data')
    make_synthetic(root, num_train=48, num_val=60, size=32, seed=1)
    runner = Runner.from_cfg(tiny_config(root, str(tmp_path / 'work')))
    before = runner.test()
    runner.train()
    after = runner.test()
    msg = (f"nDCG@10 {before['pose/ndcg@10']:.3f} -> {after['pose/ndcg@10']:.3f}, mean label "
           f"distance@10 {before['pose/mean_dist@10']:.3f} -> {after['pose/mean_dist@10']:.3f}")
    assert after['pose/ndcg@10'] > before['pose/ndcg@10'] + 0.05, msg
    assert after['pose/mean_dist@10'] < 0.92 * before['pose/mean_dist@10'], msg
    print(msg)
