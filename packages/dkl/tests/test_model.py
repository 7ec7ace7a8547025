"""Models, data layout, bad input, converter, metric, drawing and inferencer of dkl."""
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'dkl', 'ikl-at_tinyconv_12e_synthetic.py')
UNIT = dict(type='ClsDataPreprocessor', mean=[0, 0, 0], std=[255, 255, 255])


def _build(cfg):
    from dkl.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def _adv(**kw):
    return _build(dict(type='IKLAdvClassifier', num_classes=4, data_preprocessor=UNIT,
                       backbone=dict(type='DklTinyConvNet', channels=(4, 8)),
                       head=dict(type='LinearClsHead', num_classes=4, in_channels=128), **kw))


def _batch(n=8, scale=255):
    g = torch.Generator().manual_seed(0)
    return dict(inputs=list(torch.rand(n, 3, 32, 32, generator=g) * scale),
                data_samples=[DataSample().set_gt_label(i % 4) for i in range(n)])


def test_adversarial_train_step_updates_weights_and_prior():
    model = _adv(eps=8 / 255, steps=2, step_ratio=1.0)
    hub = MessageHub.get_current_instance()
    hub.update_info('max_epochs', 2)
    hub.update_info('epoch', 0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    opt = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    logs = model.train_step(_batch(), opt)
    assert set(logs) >= {'loss_ce', 'loss_ikl'}
    assert float((model.head.fc.weight - before['head.fc.weight']).abs().max()) > 0
    assert float(model.class_prior.running.sum()) == pytest.approx(8.0)   # 8 samples seen
    np.testing.assert_allclose(model.class_prior.prior.numpy(), 0.25)      # epoch 0: uniform
    hub.update_info('epoch', 1)
    model.train_step(_batch(), opt)                                        # new epoch
    assert float((model.class_prior.prior - 0.25).abs().max()) > 1e-4
    assert model.current_epsilon(0, 2) == pytest.approx(4 / 255)           # linear ramp
    assert model.current_epsilon(1, 2) == pytest.approx(8 / 255)


def test_attack_stays_in_the_ball_and_raises_the_loss():
    from dkl.models import linf_attack
    model = _adv().eval()
    x = torch.rand(6, 3, 32, 32)
    y = torch.arange(6) % 4
    loss = lambda o: torch.nn.functional.cross_entropy(o, y)  # noqa: E731
    x_adv = linf_attack(model.logits, x, loss, 8 / 255, 2 / 255, 5)
    assert (x_adv - x).abs().max() <= 8 / 255 + 1e-7 and 0 <= x_adv.min() <= x_adv.max() <= 1
    with torch.no_grad():
        assert loss(model.logits(x_adv)) > loss(model.logits(x))


def test_epsilon_outside_unit_interval_is_a_clear_error():
    from dkl.engine import build_attack
    with pytest.raises(ValueError, match=r'eps=8.0 is outside \[0, 1\].*8/255'):
        _adv(eps=8)
    model = _adv()
    with pytest.raises(ValueError, match=r'outside \[0, 1\]'):
        build_attack(model, dict(type='PGD', eps=-0.1, alpha=0.01, steps=2))
    with pytest.raises(ValueError, match='unknown attack'):
        build_attack(model, dict(type='CW', eps=0.1))


def test_inputs_outside_unit_range_are_a_clear_error():
    model = _build(dict(type='IKLAdvClassifier', num_classes=4,
                        backbone=dict(type='DklTinyConvNet', channels=(4, 8)),
                        head=dict(type='LinearClsHead', num_classes=4, in_channels=128),
                        data_preprocessor=dict(type='ClsDataPreprocessor', mean=[127] * 3,
                                               std=[50] * 3)))
    opt = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match='inputs in \\[0, 1\\].*std=\\[255, 255, 255\\]'):
        model.train_step(_batch(), opt)


def _kd(tmp_path, teacher_classes=4, ckpt_classes=4, **kw):
    teacher = dict(type='ImageClassifier', backbone=dict(type='DklTinyConvNet'),
                   head=dict(type='LinearClsHead', num_classes=teacher_classes,
                             in_channels=512))
    ckpt = None
    if ckpt_classes is not None:
        source = _build(dict(teacher, head=dict(teacher['head'], num_classes=ckpt_classes)))
        ckpt = str(tmp_path / 'teacher.pth')
        torch.save(dict(state_dict=source.state_dict()), ckpt)
    return _build(dict(type='IKLDistiller', num_classes=4, data_preprocessor=UNIT,
                       backbone=dict(type='DklTinyConvNet', channels=(4, 8)),
                       head=dict(type='LinearClsHead', num_classes=4, in_channels=128),
                       teacher=dict(model=teacher, checkpoint=ckpt), **kw)), ckpt


def test_teacher_checkpoint_with_other_class_count_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r'teacher checkpoint .*teacher.pth has 7 classes'):
        _kd(tmp_path, ckpt_classes=7)
    with pytest.raises(ValueError, match='teacher config has 5 classes, the student 4'):
        _kd(tmp_path, teacher_classes=5, ckpt_classes=5)


def test_distiller_loss_warmup_and_frozen_teacher(tmp_path):
    from dkl.models import ikl_loss
    from dkl.models.distill import load_teacher  # noqa: F401
    model, ckpt = _kd(tmp_path, warmup_epochs=4,
                      distill_loss=dict(type='IKLLoss', alpha=1.0, beta=2.0, use_gi=True))
    saved = load_checkpoint_file(ckpt)['state_dict']
    for k, v in model.teacher.state_dict().items():
        torch.testing.assert_close(v, saved[k])          # the checkpoint's weights
    model.init_weights()
    for k, v in model.teacher.state_dict().items():
        torch.testing.assert_close(v, saved[k])          # not re-initialised
    model.train()
    assert not model.teacher.training
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 0)
    data = model.data_preprocessor(_batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    with torch.no_grad():
        o_s = model(data['inputs'], mode='tensor')
        o_t = model.teacher(data['inputs'], mode='tensor')
    labels = torch.arange(8) % 4
    expected = 0.25 * ikl_loss(o_t, o_s, 1.0, 2.0, class_prior=torch.full((4, 4), 0.25),
                               labels=labels)
    torch.testing.assert_close(losses['loss_kd'].detach(), expected)
    losses['loss_kd'].backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert model.head.fc.weight.grad.abs().sum() > 0


def test_convert_round_trip_loads_strictly():
    from dkl.convert import convert, to_official
    model = _build(dict(type='IKLAdvClassifier', num_classes=10,
                        backbone=dict(type='DklWideResNet', depth=10, widen_factor=1),
                        head=dict(type='LinearClsHead', num_classes=10, in_channels=64)))
    official = {'module.' + k: v for k, v in to_official(model.state_dict()).items()}
    assert 'module.block3.layer.0.convShortcut.weight' in official
    model.load_state_dict(convert(official), strict=True)
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})


def test_missing_data_shows_the_tree(tmp_path):
    from dkl.datasets import SyntheticCIFAR10
    from dkl.paper import check_data
    with pytest.raises(FileNotFoundError) as err:
        SyntheticCIFAR10(data_root=str(tmp_path / 'none'))
    assert str(tmp_path / 'none') in str(err.value) and 'data_batch_5' in str(err.value)
    with pytest.raises(FileNotFoundError, match='train/ and val/'):
        check_data(str(tmp_path), 'imagenet_r34_r18')


def test_synthetic_set_is_read_back_by_the_cifar_reader(tmp_path):
    from dkl.datasets import SyntheticCIFAR10, make_synthetic
    from dkl.datasets.synthetic import class_templates
    make_synthetic(str(tmp_path), num_train=50, num_test=20)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        train = SyntheticCIFAR10(data_root=str(tmp_path), split='train', pipeline=[])
        test = SyntheticCIFAR10(data_root=str(tmp_path), split='test', pipeline=[])
    assert len(train) == 50 and len(test) == 20
    labels = [train[i]['gt_label'] for i in range(50)]
    assert sorted(set(labels)) == list(range(10))
    # each image correlates best with its own class template
    t = class_templates().reshape(10, -1)
    hits = 0
    for i in range(50):
        img = train[i]['img'].astype(np.float64).reshape(-1) / 255
        hits += int(np.argmax(t @ (img - img.mean())) == labels[i])
    assert hits >= 45


def test_robust_accuracy_against_a_loop():
    from dkl.metrics import RobustAccuracy
    rng = np.random.default_rng(0)
    gt, clean, adv = (rng.integers(0, 3, 40) for _ in range(3))
    metric = RobustAccuracy()
    metric.process(None, [dict(gt_label=int(g), pred_label=int(c),
                               adv_pred_label=dict(PGD=int(a)))
                          for g, c, a in zip(gt, clean, adv)])
    out = metric.compute_metrics(metric.results)
    assert out['natural'] == sum(int(c == g) for c, g in zip(clean, gt)) / 40
    assert out['PGD'] == sum(int(a == g) for a, g in zip(adv, gt)) / 40


def test_drawings():
    from dkl.hooks import draw_prior, draw_sample
    clean = np.zeros((4, 4, 3), np.uint8)
    adv = clean + 2
    pic = draw_sample(clean, 1, 1, adv, 0, scale=2, border=1)
    assert pic.shape == (10, 30, 3)
    assert tuple(pic[0, 0]) == (0, 200, 0) and tuple(pic[0, 20]) == (220, 0, 0)
    assert tuple(pic[5, 15]) == (147, 147, 147)          # 127.5 + 10 * 2, rounded down
    prior = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [1 / 3, 1 / 3, 1 / 3]])
    heat = draw_prior(prior, cell=2)
    assert heat.shape == (6, 6, 3)
    assert tuple(heat[0, 0]) == (0, 102, 255) and heat[0, 2, 0] > 150   # row max is darkest
    with pytest.raises(ValueError, match='C x C'):
        draw_prior(np.ones((2, 3)))


def test_inferencer_loads_the_checkpoint_and_draws(tmp_path):
    from dkl.infer import INFERENCER
    model = _build(Config.fromfile(SYNTHETIC).model).eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    image = (np.random.default_rng(0).random((32, 32, 3)) * 255).astype(np.uint8)
    Image.fromarray(image).save(tmp_path / 'x.png')
    payload = INFERENCER(SYNTHETIC, str(tmp_path / 'model.pth'))(
        [str(tmp_path / 'x.png')], out_dir=str(tmp_path / 'o'))
    x = torch.from_numpy(image).permute(2, 0, 1).float()[None] / 255
    with torch.no_grad():
        expected = int(model(x, mode='tensor').argmax())
    result = payload['results'][0]
    assert result['pred_label'] == expected
    assert tuple(np.asarray(Image.open(result['files'][0]))[0, 0]) == (128, 128, 128)


def test_robust_test_loop_with_autoattack_and_pictures(tmp_path, monkeypatch):
    """The paper configs' test: Runner.test with RobustTestLoop + torchattacks AutoAttack;
    its robust accuracy equals AutoAttack run directly on the same images and labels; the
    hook writes clean | perturbation | adversarial pictures."""
    import glob

    import torchattacks
    from dkl.datasets import make_synthetic
    from mmengine.runner import Runner
    make_synthetic(str(tmp_path / 'data'), num_train=10, num_test=12)
    monkeypatch.setenv('DATA_ROOT', str(tmp_path / 'data'))
    cfg = Config.fromfile(SYNTHETIC)
    cfg.work_dir = str(tmp_path / 'work')
    aa = dict(type='AutoAttack', eps=8 / 255, norm='Linf', version='standard', n_classes=10,
              seed=0)
    cfg.test_cfg = dict(type='RobustTestLoop', attacks=dict(AutoAttack=aa), keep_images=2)
    cfg.test_dataloader.batch_size = 6
    cfg.default_hooks.visualization = dict(type='DklVisualizationHook', draw=True,
                                           test_out_dir=str(tmp_path / 'vis'))
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    model = runner.model.eval()
    data = runner.test_dataloader.dataset
    x = torch.stack([torch.from_numpy(data[i]['inputs'].numpy()) for i in range(12)]).float()
    x = x / 255
    y = torch.tensor([data[i]['data_samples'].gt_label.item() for i in range(12)])
    with torch.no_grad():
        natural = (model(x, mode='tensor').argmax(1) == y).float().mean().item()
    robust = []
    for batch in (slice(0, 6), slice(6, 12)):
        from dkl.engine.robust import _Logits
        attack = torchattacks.AutoAttack(_Logits(model), **{k: v for k, v in aa.items()
                                                             if k != 'type'})
        x_adv = attack(x[batch], y[batch])
        with torch.no_grad():
            robust += (model(x_adv, mode='tensor').argmax(1) == y[batch]).tolist()
    assert metrics['robust/natural'] == pytest.approx(natural)
    assert metrics['robust/AutoAttack'] == pytest.approx(sum(robust) / 12)
    assert metrics['robust/AutoAttack'] <= metrics['robust/natural']
    pictures = sorted(glob.glob(str(tmp_path / 'vis' / '*.png')))
    assert len(pictures) == 4                              # 2 kept per batch, 2 batches
    assert np.asarray(Image.open(pictures[0])).shape == (32 * 4 + 4, 3 * (32 * 4 + 4), 3)
