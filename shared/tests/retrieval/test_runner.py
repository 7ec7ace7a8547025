"""The config bases run end to end in mmengine's Runner: synthetic CUB-layout data, the
class-balanced sampler, EmbeddingRetriever + Proxy Anchor with the proxies' lr_mult, the
leave-one-out metric; the metric the Runner reports equals a recomputation from the model."""
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.datasets.retrieval import CUBRetrieval
from cvshared.datasets.retrieval_synthetic import write_synthetic_cub
from cvshared.engine.launch import load_config
from cvshared.metrics.retrieval import retrieval_scores
from mmengine.runner import Runner
from repo_helpers import REPO

BASES = [osp.join(REPO, 'configs', '_base_', p) for p in
         ('runtime/mmpretrain.py', 'datasets/cub_synthetic.py', 'models/retriever_r50.py')]


def _config(tmp_path, data_root):
    text = f"""_base_ = {BASES!r}
model = dict(
    image_encoder=[
        dict(type='ResNet', depth=18, stem_channels=8, base_channels=8, out_indices=(3, ),
             norm_eval=True, norm_cfg=dict(type='BN', requires_grad=False), init_cfg=None),
        dict(type='EmbeddingNeck', in_channels=64, out_channels=16, pooling='avg+max')],
    head=dict(num_classes=6, embed_dim=16))
train_dataloader = dict(batch_size=12, sampler=dict(batch_size=12, seed=0))
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4),
                     paramwise_cfg=dict(custom_keys={{'proxies': dict(lr_mult=100, decay_mult=0)}}))
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=2)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(checkpoint=dict(interval=100), logger=dict(interval=1))
"""
    path = tmp_path / 'cfg.py'
    path.write_text(text)
    cfg = load_config(str(path), work_dir=str(tmp_path / 'work'), data_root=data_root)
    return cfg


def test_runner_trains_and_reports_the_leave_one_out_metric(tmp_path):
    data_root = write_synthetic_cub(str(tmp_path / 'data'), num_classes=12, images_per_class=4,
                                    image_size=32)
    cfg = _config(tmp_path, data_root)
    cfg.train_dataloader.dataset.pipeline[1].scale = 32
    cfg.val_dataloader.dataset.pipeline[1].scale = 32
    cfg.val_dataloader.dataset.pipeline[2].crop_size = 32
    cfg.test_dataloader = cfg.val_dataloader
    runner = Runner.from_cfg(cfg)
    prox_before = runner.model.head.proxies.detach().clone()
    runner.train()
    assert not torch.equal(prox_before, runner.model.head.proxies.detach())
    metrics = runner.test()
    assert set(metrics) == {'synthetic/Recall@1', 'synthetic/Recall@2', 'synthetic/Recall@4',
                            'synthetic/MAP@R', 'synthetic/MAP@R_skipped', 'synthetic/NMI'}
    # recompute from the trained model on the test split
    ds = CUBRetrieval(data_root, split='test', pipeline=cfg.val_dataloader.dataset.pipeline)
    model = runner.model.eval()
    batch = [ds[i] for i in range(len(ds))]
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=[b['inputs'] for b in batch],
                                            data_samples=[b['data_samples'] for b in batch]))
        emb = model.embed(data['inputs']).numpy()
    labels = np.array([int(b['data_samples'].gt_label) for b in batch])
    want = retrieval_scores(emb, labels, topk=(1, 2, 4))
    assert metrics['synthetic/Recall@1'] == pytest.approx(want['Recall@1'], abs=1e-6)
    assert metrics['synthetic/MAP@R'] == pytest.approx(want['MAP@R'], abs=1e-6)
