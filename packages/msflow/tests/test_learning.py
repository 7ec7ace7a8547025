"""Train MSFlow with mmengine's Runner on synthetic MVTec-layout data and check it learns;
then test with the visualization hook on (what ``tools/test.py --show-dir`` does).

The data set uses a custom category name (``my_part``), set in the three dataloaders the way
the README documents for ``--cfg-options``: any folder name works for training and test. The
test metrics are compared with independent recomputations (sklearn's ROC AUC and a plain
threshold loop for PRO) on the model's own predictions.
"""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.datasets.mvtec_synthetic import write_synthetic_mvtec
from mmengine.config import Config
from mmengine.runner import Runner
from skimage.measure import label
from sklearn.metrics import auc, roc_auc_score

EPOCHS = 8  # ~10 s of flow updates on 16 images of 64x64
MIN_AUROC = 0.65  # measured 0.72 (untrained flows: 0.45); margin for platform round-off
REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
CATEGORY = 'my_part'


def _cfg(data_root, work_dir, size, epochs):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'msflow', 'msflow_resnet18_synthetic.py'))
    pipeline = [dict(type='LoadAnomalyImageAndMask', img_size=size),
                dict(type='PackAnomalyInputs')]
    cfg.merge_from_dict({f'{loader}.dataset.{key}': value
                         for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
                         for key, value in (('category', CATEGORY), ('data_root', data_root),
                                            ('pipeline', pipeline))})
    cfg.train_cfg.max_epochs = epochs
    cfg.work_dir = work_dir
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    cfg.default_hooks.logger.interval = 1
    return cfg


def _plain_pro(masks, maps, steps=800, limit=0.3):
    """The 800-threshold PRO written as a plain loop over thresholds and regions."""
    regions = [(i, label(m, connectivity=2)) for i, m in enumerate(masks)]
    regions = [(i, lab == r) for i, lab in regions for r in range(1, lab.max() + 1)]
    lo, hi = maps.min(), maps.max()
    pros, fprs = [], []
    for t in np.arange(lo, hi, (hi - lo) / steps):
        pred = maps > t
        pros.append(np.mean([pred[i][r].mean() for i, r in regions]))
        fprs.append((pred & ~masks).sum() / (~masks).sum())
    pros, fprs = np.array(pros), np.array(fprs)
    keep = fprs < limit
    x = fprs[keep]
    return auc((x - x.min()) / (x.max() - x.min()), pros[keep])


@pytest.mark.slow
def test_synthetic_training_learns_and_draws_heat_maps(tmp_path):
    torch.set_num_threads(min(2, torch.get_num_threads()))
    root = write_synthetic_mvtec(str(tmp_path / 'data'), categories=(CATEGORY,), image_size=64,
                                 num_train=16, num_test_good=8, num_test_defect=4, seed=1)
    untrained = Runner.from_cfg(_cfg(root, str(tmp_path / 'w0'), 64, 1)).test()
    cfg = _cfg(root, str(tmp_path / 'w1'), 64, EPOCHS)
    cfg.default_hooks.visualization.update(draw=True, test_out_dir='vis')
    runner = Runner.from_cfg(cfg)
    assert runner.train_dataloader.dataset.category == CATEGORY
    runner.train()
    metrics = runner.test()
    # chance is 0.5; the random-init extractor alone (untrained flows) scores lower
    assert metrics['mvtec/image_AUROC'] >= MIN_AUROC, (untrained, metrics)
    assert metrics['mvtec/image_AUROC'] >= untrained['mvtec/image_AUROC'] + 0.1, (untrained,
                                                                                metrics)
    # the reported metrics are those of the model's predictions, recomputed independently
    masks, maps_add, maps_mul, labels, scores = [], [], [], [], []
    runner.model.eval()
    with torch.no_grad():
        for batch in runner.test_dataloader:
            for s in runner.model.test_step(batch):
                masks.append(s.gt_mask.numpy() > 0)
                maps_add.append(s.anomaly_map.numpy())
                maps_mul.append(s.anomaly_map_mul.numpy())
                labels.append(int(s.gt_label))
                scores.append(float(s.pred_score))
    masks, maps_add, maps_mul = np.stack(masks), np.stack(maps_add), np.stack(maps_mul)
    assert metrics['mvtec/image_AUROC'] == pytest.approx(roc_auc_score(labels, scores),
                                                         abs=1e-12)
    assert metrics['mvtec/pixel_AUROC'] == pytest.approx(
        roc_auc_score(masks.ravel(), maps_add.ravel()), abs=1e-9)
    assert metrics['mvtec/PRO'] == pytest.approx(_plain_pro(masks, maps_mul), abs=1e-9)
    assert 'mvtec/PRO_exact' in metrics and metrics['mvtec/PRO_exact'] != metrics['mvtec/PRO']
    pngs = glob.glob(osp.join(str(tmp_path / 'w1'), '*', 'vis', '*', '*.png'))
    assert len(pngs) == 8 + 2 * 4  # one picture per test image
    assert {osp.basename(osp.dirname(p)) for p in pngs} == {'good', 'blob', 'scratch'}
