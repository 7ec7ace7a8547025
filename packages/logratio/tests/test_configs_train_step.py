"""Each paper config (log-ratio, dense-triplet and binary-triplet baselines) builds its
model, mined dataset, collate and optimizer as written, and one training step on the tiny
synthetic set lowers nothing to NaN and moves the weights (sizes shrunk for CPU)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import FUNCTIONS, DefaultScope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


@pytest.mark.parametrize('name, loss, normalize, mode', [
    ('logratio_resnet34_30e_mpii-pose', 'LogRatioLoss', False, 'dense'),
    ('densetriplet_resnet34_30e_mpii-pose', 'DenseTripletLoss', True, 'dense'),
    ('binarytriplet_resnet34_30e_mpii-pose', 'BinaryTripletLoss', True, 'binary'),
])
def test_paper_config_trains_one_step(tiny_set, name, loss, normalize, mode):
    from logratio.registry import DATASETS, MODELS
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'logratio', f'{name}.py'))
    assert cfg.model.loss.type == loss and cfg.model.normalize == normalize
    data = cfg.train_dataloader.dataset
    assert data.mode == mode and data.batch_size == 150 and data.num_nn == 5
    assert cfg.param_scheduler[0].type == 'InverseTimeLR' and cfg.train_cfg.max_epochs == 30
    cfg.model.backbone.init_cfg = None   # no ImageNet file in CI
    data.dataset.data_root = tiny_set
    data.batch_size = 12
    if mode == 'binary':
        data.update(num_pos_pool=6, num_pos=3)
        cfg.model.loss.num_pos = 3
    for t in data.dataset.pipeline:
        if t['type'] == 'PoseTranslation':
            t.update(size_input=32, size_crop=28)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
        dataset = DATASETS.build(data)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    collate = FUNCTIONS.get(cfg.train_dataloader.collate_fn.type)
    assert optim.param_groups[0]['lr'] == 0.01 and optim.param_groups[0]['momentum'] == 0.9
    before = model.fc.weight.detach().clone()
    log = model.train_step(collate([dataset[0], dataset[1]]), optim)
    loss_value = log['loss'].detach()
    assert torch.isfinite(loss_value) and float(loss_value) > 0
    assert not torch.equal(before, model.fc.weight)
