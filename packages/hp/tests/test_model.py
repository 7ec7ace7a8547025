"""HPSegmentor, its hook, the photometric view and the converter (unit level; the goldens of
the official forward and loss are in test_golden.py)."""
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from hp import convert as converter
from hp.datasets import HPPhotometricView, PackHPInputs
from hp.hooks import HiddenPositivesHook, hp_lambda
from hp.models import HPSegmentor
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
PRE = dict(type='mmseg.SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
           std=[58.395, 57.12, 57.375], bgr_to_rgb=False, size_divisor=8)


def _model(**kw):
    torch.manual_seed(0)
    cfg = dict(backbone=dict(type='DinoViT', arch='vit_small_patch8_224.dino', img_size=32,
                             embed_dim=24, depth=2, num_heads=2),
               num_classes=3, dim=8, data_preprocessor=PRE)
    cfg.update(kw)
    return HPSegmentor(**cfg)


def _samples(b, size=32, aug=True):
    out = []
    g = torch.Generator().manual_seed(1)
    for _ in range(b):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, size, size), generator=g))
        if aug:
            s.img_aug = PixelData(data=torch.randn(3, size, size, generator=g))
        out.append(s)
    return out


def test_lambda_schedule_is_the_official_one():
    # run.py: 0 while trainingiter <= warmup, then (it - warmup) / (maxiter - warmup)
    assert [hp_lambda(t, 110, 10) for t in (0, 10, 11, 60, 109)] == \
        [0.0, 0.0, 0.01, 0.5, 0.99]


class _Runner:
    def __init__(self, model, loader, it=0, max_iters=100):
        self.model, self.train_dataloader = model, loader
        self.iter, self.max_iters = it, max_iters


def _loader(n, batch):
    from mmengine.dataset import pseudo_collate
    from torch.utils.data import DataLoader
    g = torch.Generator().manual_seed(2)
    items = [dict(inputs=(torch.rand(3, 32, 32, generator=g) * 255).to(torch.uint8),
                  data_samples=_samples(1)[0]) for _ in range(n)]
    return DataLoader(items, batch_size=batch, collate_fn=pseudo_collate)


def test_hook_fills_both_pools_then_renews_only_the_task_specific_one():
    model = _model()
    runner = _Runner(model, _loader(6, 2))
    hook = HiddenPositivesHook(pool_size=8, renew_interval=3, warmup=10)
    np.random.seed(0)
    hook.before_train(runner)
    ag, sp = model.pool_ag.clone(), model.pool_sp.clone()
    assert ag.shape == (8, 24) and sp.shape == (8, 8)
    # 3 full batches of 2 fill rows 0..5 (unit norm); rows 6, 7 stay zero as the official
    norms = ag.norm(dim=1)
    torch.testing.assert_close(norms[:6], torch.ones(6))
    assert float(norms[6:].abs().max()) == 0
    # each filled row is one patch of one image: a column of drop(feat) (Dropout2d: the
    # official fills in training mode), so it matches some patch of the set up to dropout
    hook.before_train_iter(runner, batch_idx=1)
    assert torch.equal(model.pool_sp, sp) and model.lmbd == 0.0
    runner.iter = 55
    hook.before_train_iter(runner, batch_idx=3)
    assert model.lmbd == pytest.approx(0.5)
    assert torch.equal(model.pool_ag, ag)
    assert not torch.equal(model.pool_sp, sp)
    hook.before_train_iter(runner, batch_idx=0)   # i == 0: no renewal (official i != 0)


def test_training_step_losses_gradients_and_ema():
    from cvshared.engine.optim import SubmoduleOptimWrapperConstructor
    model = _model()
    model.set_pools(torch.randn(16, 24), torch.randn(16, 8))
    model.lmbd = 0.5
    wrappers = SubmoduleOptimWrapperConstructor(dict(
        net=dict(modules=('head',), optimizer=dict(type='AdamW', lr=1e-2, weight_decay=0.1),
                 clip_grad=dict(max_norm=10.0)),
        proj=dict(modules=('proj',), optimizer=dict(type='Adam', lr=1e-2)),
        linear=dict(modules=('linear_probe',), optimizer=dict(type='Adam', lr=1e-3)),
        cluster=dict(modules=('cluster_probe',), optimizer=dict(type='Adam', lr=5e-3))))(model)
    vit = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    head = model.head.cluster1[0].weight.clone()
    ema = model.head.ema['cluster1'][0].weight.clone()
    proj = model.proj.weight.clone()
    data = dict(inputs=[(torch.rand(3, 32, 32) * 255).to(torch.uint8) for _ in range(2)],
                data_samples=_samples(2))
    log = model.train_step(data, wrappers)
    assert {'loss_hp', 'loss_consistency', 'loss_linear', 'loss_cluster'} <= set(log)
    assert log['loss_consistency'] > 0
    for k, v in model.backbone.state_dict().items():
        assert torch.equal(v, vit[k]), f'frozen ViT changed: {k}'
    assert not torch.equal(model.head.cluster1[0].weight, head)
    assert not torch.equal(model.proj.weight, proj)
    # the EMA moved by (1 - m) towards the head of the forward (before the step)
    torch.testing.assert_close(model.head.ema['cluster1'][0].weight,
                               0.99 * ema + 0.01 * head)


def test_alpha_zero_drops_the_consistency_term():
    model = _model(alpha=0.0, dropout=0.0)
    model.set_pools(torch.randn(16, 24), torch.randn(16, 8))
    img = torch.randn(2, 3, 32, 32)
    losses, code = model.head_loss(img, _samples(2))
    assert float(losses['loss_consistency'].detach()) == 0
    assert code.shape == (2, 8, 4, 4)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match='ema_m'):
        _model(ema_m=1.5)
    model = _model()
    img = torch.randn(2, 3, 32, 32)
    with pytest.raises(RuntimeError, match='HiddenPositivesHook'):
        model.head_loss(img, _samples(2))
    model.set_pools(torch.randn(16, 24), torch.randn(16, 8))
    with pytest.raises(ValueError, match='HPPhotometricView'):
        model.head_loss(img, _samples(2, aug=False))
    with pytest.raises(ValueError, match=r'pool_sp must be \[pool_size, 8\]'):
        model.set_pools(pool_sp=torch.randn(16, 24))
    with pytest.raises(ValueError, match='HPPhotometricView needs an RGB uint8'):
        HPPhotometricView().transform(dict(img=np.zeros((8, 8), np.uint8), img_path='x.jpg'))


def test_photometric_view_is_the_official_order_normalise_then_jitter():
    img = np.random.default_rng(0).integers(0, 256, (16, 16, 3)).astype(np.uint8)
    # no jitter at all: exactly T.Normalize(T.ToTensor(img)), negatives kept
    plain = HPPhotometricView(brightness=0, contrast=0, saturation=0, hue=0, grayscale_prob=0,
                              blur_prob=0).transform(dict(img=img))['img_aug']
    x = torch.from_numpy(img).permute(2, 0, 1).float() / 255
    mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
    torch.testing.assert_close(plain, (x - mean[:, None, None]) / std[:, None, None])
    assert float(plain.min()) < -1
    # with the official brightness jitter, torchvision clamps the normalised image to [0, 1]
    # (the official's behaviour): its negative values are gone
    torch.manual_seed(0)
    bright = HPPhotometricView(contrast=0, saturation=0, hue=0, grayscale_prob=0,
                               blur_prob=0).transform(dict(img=img))['img_aug']
    assert float(bright.min()) >= 0 and float(plain.max()) > 1 >= float(bright.max())
    packed = PackHPInputs().transform(dict(img=img, img_aug=bright, img_shape=(16, 16),
                                           ori_shape=(16, 16)))
    assert torch.equal(packed['data_samples'].img_aug.data, bright)


def _official_checkpoint():
    keys = load_checkpoint_file(osp.join(GOLDEN, 'model.pt'))['official_keys']
    g = torch.Generator().manual_seed(4)
    ckpt = {part: {k: torch.randn(shape, generator=g) for k, shape in sd.items()}
            for part, sd in keys.items()}
    ckpt.update(epoch=2, iter=100, net_optimizer_state_dict=None)
    return ckpt


def test_converter_maps_every_official_key_and_loads_strictly():
    official = _official_checkpoint()
    ours = converter.convert(official)
    model = HPSegmentor(dict(type='DinoViT', arch='vit_small_patch8_224.dino', depth=2),
                        num_classes=3, dim=8)
    model.load_state_dict(ours, strict=True)
    torch.testing.assert_close(model.head.ema['cluster2'][2].weight,
                               official['net_model_state_dict']['ema_model2.2.weight'])
    torch.testing.assert_close(model.cluster_probe.clusters,
                               official['cluster_model_state_dict']['clusters'])
    back = converter.to_official(ours)
    for part in converter.PARTS:
        assert back[part].keys() == official[part].keys()
    with pytest.raises(KeyError, match='not an official HP checkpoint'):
        converter.convert({'state_dict': {}})
    bad = dict(official, linear_model_state_dict={'w': torch.zeros(1)})
    with pytest.raises(KeyError, match='linear_model.w'):
        converter.convert(bad)


def test_missing_pools_batch_fills_them_from_the_batch_for_timing_only():
    with pytest.raises(ValueError, match="missing_pools must be 'error' or 'batch'"):
        _model(missing_pools='zeros')
    model = _model(missing_pools='batch')
    losses, _ = model.head_loss(torch.randn(2, 3, 32, 32), _samples(2))
    assert model.pool_ag.shape == (2, 24) and model.pool_sp.shape == (2, 8)
    torch.testing.assert_close(model.pool_ag.norm(dim=1), torch.ones(2))
    assert torch.isfinite(losses['loss_hp'])
