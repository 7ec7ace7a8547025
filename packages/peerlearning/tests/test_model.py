"""The two-network model's train step (two optimisers, exchanged selection, frozen step 1),
prediction, the converter (round trip, torchvision equality), the official per-epoch plans,
the pictures and the inferencer."""
import glob
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'peerlearning', 'peerlearning_bcnn-tiny_60e_synthetic.py')


def tiny_model(frozen=False, drop_rate=0.5, **kwargs):
    from peerlearning.registry import MODELS
    net = dict(type='ImageClassifier',
               backbone=dict(type='PeerlearningConvNet', channels=(4, 8)),
               neck=dict(type='BilinearPooling'),
               head=dict(type='LinearClsHead', num_classes=3, in_channels=64))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(dict(type='PeerLearning', net1=net, drop_rate=drop_rate, T_k=1,
                                  **kwargs))
    model.init_weights()
    if frozen:
        for p in list(model.net1.backbone.parameters()) + list(model.net2.backbone.parameters()):
            p.requires_grad = False
    return model


def wrappers(model, lr=1e-2):
    from cvshared.engine.optim import SubmoduleOptimWrapperConstructor
    adam = dict(type='Adam', lr=lr)
    cfg = dict(net1=dict(modules=('net1',), optimizer=adam),
               net2=dict(modules=('net2',), optimizer=adam))
    return SubmoduleOptimWrapperConstructor(cfg)(model)


def batch(n=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    images = (torch.rand(n, 3, 8, 8, generator=g) * 255).to(torch.uint8)
    labels = torch.randint(0, 3, (n,), generator=g)
    return dict(inputs=list(images),
                data_samples=[DataSample().set_gt_label(int(v)) for v in labels])


def test_nets_are_independent_and_train_step_updates_each_on_its_peers_choice():
    from peerlearning.models import peer_learning_loss
    model = tiny_model()
    model.set_epoch(5)
    assert not torch.equal(model.net1.head.fc.weight, model.net2.head.fc.weight)
    ow = wrappers(model)
    data = batch()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        pre = model.data_preprocessor(data, True)
        labels = torch.cat([s.gt_label for s in pre['data_samples']])
        l1, l2, sel = peer_learning_loss(model.net1(pre['inputs'], mode='tensor'),
                                         model.net2(pre['inputs'], mode='tensor'), labels, 0.5)
    log = model.train_step(data, ow)
    torch.testing.assert_close(log['loss1'], l1)
    torch.testing.assert_close(log['loss2'], l2)
    assert float(log['drop_rate']) == 0.5
    assert torch.equal(model.last_selection.update1, sel.update1)
    changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert any(k.startswith('net1.head') for k in changed)
    assert any(k.startswith('net2.backbone') for k in changed)
    with pytest.raises(TypeError, match="keys 'net1' and 'net2'"):
        model.train_step(data, ow['net1'])
    with pytest.raises(ValueError, match='train_step'):
        model(pre['inputs'], mode='loss')


def test_step_one_moves_the_heads_only():
    model = tiny_model(frozen=True)
    ow = wrappers(model)
    assert sum(len(g['params']) for g in ow['net1'].optimizer.param_groups) == 2   # fc w, b
    before = {k: v.clone() for k, v in model.state_dict().items() if 'backbone' in k
              and 'num_batches' not in k and 'running' not in k}
    model.train_step(batch(), ow)
    for k, v in before.items():
        assert torch.equal(model.state_dict()[k], v), k


@pytest.mark.parametrize('predict_with', ['net1', 'net2', 'mean'])
def test_predict_uses_the_chosen_peer(predict_with):
    model = tiny_model(predict_with=predict_with).eval()
    data = model.data_preprocessor(batch(), False)
    with torch.no_grad():
        preds = model(data['inputs'], data['data_samples'], mode='predict')
        s1 = model.net1(data['inputs'], mode='tensor').softmax(1)
        s2 = model.net2(data['inputs'], mode='tensor').softmax(1)
    expected = {'net1': s1, 'net2': s2, 'mean': (s1 + s2) / 2}[predict_with]
    scores = torch.stack([p.pred_score for p in preds])
    torch.testing.assert_close(scores, expected)
    assert not torch.allclose(s1, s2)


def test_converter_round_trip_and_official_resume_file():
    from peerlearning.convert import convert, to_official
    model = tiny_model()
    # our tiny backbone has no official counterpart: use a B-CNN-like subset through VGG
    from mmpretrain.models import VGG
    vgg = VGG(16, out_indices=(4,), with_last_pool=False)
    ours = {f'net1.backbone.{k}': v for k, v in vgg.state_dict().items()}
    ours['net1.head.fc.weight'] = torch.randn(3, 512 * 512)
    ours['net1.head.fc.bias'] = torch.randn(3)
    official = to_official(ours)
    assert 'module.features.28.weight' in official and 'module.fc.bias' in official
    back = convert(official)
    assert set(back) == set(ours) | {k.replace('net1.', 'net2.') for k in ours}
    for k, v in ours.items():
        assert torch.equal(back[k], v) and torch.equal(back[k.replace('net1.', 'net2.')], v)
    resume = convert({'cot1_state_dict': official,
                      'cot2_state_dict': {k: v + 1 for k, v in official.items()}})
    assert torch.equal(resume['net2.head.fc.bias'], ours['net1.head.fc.bias'] + 1)
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'module.unexpected.weight': torch.zeros(1)})
    del model


@pytest.mark.parametrize('arch', ['vgg16', 'resnet50'])
def test_torchvision_weights_give_the_same_backbone(arch):
    """torchvision ImageNet layout -> our mmpretrain backbone: equal features (what the paper
    configs' ``checkpoints/*_torchvision_imagenet.pth`` hold)."""
    import torchvision
    from mmpretrain.models import VGG, ResNet
    from peerlearning.convert import torchvision_to_backbone
    torch.manual_seed(0)
    tv = getattr(torchvision.models, arch)().eval()
    ours = (VGG(16, out_indices=(4,), with_last_pool=False) if arch == 'vgg16'
            else ResNet(50, out_indices=(3,)))
    ours.eval()   # mmpretrain's train() override returns None: no chaining
    state = torchvision_to_backbone(tv.state_dict())
    ours.load_state_dict({k.removeprefix('backbone.'): v for k, v in state.items()}, strict=True)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        if arch == 'vgg16':
            expected = tv.features[:-1](x)
        else:
            expected = torch.nn.Sequential(*list(tv.children())[:-2])(x)
        torch.testing.assert_close(ours(x)[-1], expected, rtol=1e-5, atol=1e-5)


def test_schedule_hook_sets_lr_betas_and_drop_rate_per_epoch():
    from types import SimpleNamespace

    from peerlearning.hooks import PeerLearningScheduleHook, official_lr
    model = tiny_model(drop_rate=0.35)
    model.T_k = 10
    ow = wrappers(model, lr=1e-3)
    runner = SimpleNamespace(optim_wrapper=ow, model=model, epoch=0, max_epochs=200)
    hook = PeerLearningScheduleHook()
    hook.before_train(runner)
    seen = {}
    for epoch in (0, 3, 4, 5, 39, 40, 199):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        group = ow['net2'].optimizer.param_groups[0]
        seen[epoch] = (group['lr'], group['betas'][0], model.drop_rate)
    assert seen[0] == (0.0, 0.9, 0.0)                      # epoch 0 does not train (official)
    assert seen[3][0] == pytest.approx(0.75e-3) and seen[4][0] == 1e-3
    assert seen[5][0] == pytest.approx(0.5e-3 * (1 + math.cos(math.pi / 200)))
    assert seen[39][1] == 0.9 and seen[40][1] == 0.1 and seen[199][2] == 0.35
    assert seen[199][0] == official_lr(199, 1e-3, 200) > 0   # the official cosine ends above 0


def test_draw_sample_and_selection_colours():
    from peerlearning.hooks import draw_sample, draw_selection
    from peerlearning.hooks.visualization import DISAGREE, DROPPED, KEPT_BOTH, KEPT_ONE
    from peerlearning.models import PeerSelection
    image = np.zeros((10, 10, 3), np.uint8)
    assert tuple(draw_sample(image, 1, 1)[0, 0]) == (0, 200, 0)
    assert tuple(draw_sample(image, 0, 1)[0, 0]) == (220, 0, 0) and image.sum() == 0
    t = torch.tensor
    sel = PeerSelection(disagree=t([0]), agree=t([1, 2, 3]), keep1=t([1, 2]), keep2=t([1]),
                        update1=t([0, 1]), update2=t([0, 1, 2]))
    grid = draw_selection([image] * 4, sel, columns=4)
    corners = [tuple(grid[1, 1 + k * 12]) for k in range(4)]
    assert corners == [DISAGREE, KEPT_BOTH, KEPT_ONE, DROPPED]


def test_inferencer_loads_the_checkpoint_and_draws(tmp_path):
    from peerlearning.datasets import make_synthetic
    from peerlearning.infer import INFERENCER
    from peerlearning.registry import MODELS
    make_synthetic(str(tmp_path / 'data'), per_class=1, test_per_class=1)
    images = sorted(glob.glob(str(tmp_path / 'data' / 'web' / 'train' / '*' / '*.png')))[:2]
    cfg = Config.fromfile(SYNTHETIC)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model).eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    inferencer = INFERENCER(SYNTHETIC, str(tmp_path / 'model.pth'))
    payload = inferencer(images, out_dir=str(tmp_path / 'o'))
    for image, result in zip(images, payload['results']):
        bgr = np.asarray(Image.open(image).convert('RGB'))[..., ::-1].copy()
        x = torch.from_numpy(bgr).permute(2, 0, 1)
        with torch.no_grad():
            inputs = model.data_preprocessor(dict(inputs=[x]), False)['inputs']
            expected = int(model(inputs, mode='tensor').argmax())
        assert result['pred_label'] == expected   # the checkpoint's weights, not new ones
        assert tuple(np.asarray(Image.open(result['files'][0]))[0, 0]) == (128, 128, 128)
