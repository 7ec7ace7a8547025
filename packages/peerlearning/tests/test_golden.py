"""Golden tensors of the official code (tests/golden/, written by tests/golden/make_golden.py
from a checkout of NUST-Machine-Intelligence-Laboratory/weblyFG-dataset at the commit of
PROVENANCE.md): the peer-learning loss and its gradients (three selection regimes), the B-CNN
pooling, the learning-rate plan, and the whole B-CNN / ResNet-50 forwards from the raw image
through our converted weights."""
import importlib.util
import json
import os.path as osp

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from mmengine.registry import DefaultScope

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')


def harness():
    spec = importlib.util.spec_from_file_location('make_golden', osp.join(GOLDEN,
                                                                          'make_golden.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def golden(name):
    return load_checkpoint_file(osp.join(GOLDEN, name))


def test_peer_loss_and_gradients_match_official():
    """Same float32 ops on the same logits: 1e-6 (losses of order 1; the official and ours
    sum the selected samples in different orders)."""
    from peerlearning.models import peer_learning_loss
    cases = golden('peer_loss.pt')['cases']
    regimes = set()
    for case in cases:
        a = case['logits1'].clone().requires_grad_(True)
        b = case['logits2'].clone().requires_grad_(True)
        loss1, loss2, sel = peer_learning_loss(a, b, case['labels'], case['drop_rate'])
        (loss1 + loss2).backward()
        for ours, theirs in ((loss1, 'loss1'), (loss2, 'loss2'), (a.grad, 'grad1'),
                             (b.grad, 'grad2')):
            torch.testing.assert_close(ours.detach(), case[theirs], rtol=0, atol=1e-6,
                                       msg=f"{case['name']}: {theirs}")
        regimes.add((sel.disagree.numel() > 0, sel.agree.numel() > 0))
        assert not torch.equal(case['grad1'].abs().sum(1) > 0, torch.ones(len(a), dtype=bool)) \
            or sel.agree.numel() == 0   # some samples are dropped where G_s is not empty
    assert regimes == {(True, True), (False, True), (True, False)}


def test_bilinear_pooling_matches_official():
    """float32 bmm of 512 x 30 positions: 1e-6 on unit-norm entries of about 2e-3."""
    from peerlearning.models import bilinear_pool
    data = golden('bilinear_pool.pt')
    ours = bilinear_pool(data['features'], sqrt='official')
    torch.testing.assert_close(ours[:, data['index']], data['pooled'], rtol=0, atol=1e-6)
    signed = bilinear_pool(data['features'], sqrt='signed')
    # the flag matters: the dead channel's entries are sqrt(1e-5) / norm = 1.5e-5 vs 0
    assert (signed[:, data['index']] - data['pooled']).abs().max() > 1e-5


def test_lr_plan_matches_official():
    from peerlearning.hooks import official_lr
    with open(osp.join(GOLDEN, 'lr_plan.json')) as f:
        data = json.load(f)
    ours = [official_lr(e, data['lr_init'], data['num_epochs'], data['warmup'])
            for e in range(data['num_epochs'])]
    assert ours == pytest.approx(data['plan'], rel=1e-12, abs=0)


def build(name, data):
    from peerlearning.convert import convert
    from peerlearning.registry import MODELS
    mg = harness()
    state = mg.generated_weights(data['shapes'], data['seed'], **mg.WEIGHTS[name])
    sums = mg.weight_sums(state)
    drift = [k for k in sums if abs(sums[k] - data['weight_sums'][k]) > 1e-6 * (1 + abs(sums[k]))]
    assert not drift, f'torch generates other weights than when the golden was made: {drift[:3]}'
    if name == 'bcnn':
        net = dict(type='ImageClassifier',
                   backbone=dict(type='VGG', depth=16, out_indices=(4,), with_last_pool=False),
                   neck=dict(type='BilinearPooling', sqrt='official'),
                   head=dict(type='LinearClsHead', num_classes=data['n_classes'],
                             in_channels=512 * 512))
    else:
        net = dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=50, out_indices=(3,)),
                   neck=dict(type='GlobalAveragePooling'),
                   head=dict(type='LinearClsHead', num_classes=data['n_classes'], in_channels=2048))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        # the paper configs' data preprocessor (BGR input from mmcv's loader, to_rgb)
        # net2 is a tiny stand-in: only net1 is compared (and building a second VGG is slow)
        tiny = dict(type='ImageClassifier', backbone=dict(type='PeerlearningConvNet'),
                    neck=dict(type='GlobalAveragePooling'),
                    head=dict(type='LinearClsHead', num_classes=data['n_classes'],
                              in_channels=16))
        model = MODELS.build(dict(type='PeerLearning', net1=net, net2=tiny, data_preprocessor=dict(
            type='ClsDataPreprocessor', mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375], to_rgb=True)))
    converted = convert({'module.' + k: v for k, v in state.items()})
    net1 = {k: v for k, v in converted.items() if k.startswith('net1.')}
    missing, unexpected = model.load_state_dict(net1, strict=False)
    assert not unexpected and all(k.startswith('net2.') for k in missing)
    model.eval()
    return model, state


# float32 through 13 (17) conv layers: measured max difference 2e-6 (B-CNN) / 1e-6 (ResNet)
TOLERANCE = {'bcnn': 2e-5, 'resnet50': 2e-5}


@pytest.mark.parametrize('name', ['bcnn', 'resnet50'])
def test_whole_forward_from_the_raw_image_matches_official(name):
    data = golden(f'whole_forward_{name}.pt')
    model, state = build(name, data)
    bgr = list(data['images'].flip(1))   # what LoadImageFromFile hands over
    with torch.no_grad():
        inputs = model.data_preprocessor(dict(inputs=bgr), False)['inputs']
        logits = model(inputs, mode='tensor')
    torch.testing.assert_close(logits, data['logits'], rtol=0, atol=TOLERANCE[name])
    # every part matters: a random 1 % change of the last conv weights moves the output far
    # beyond the tolerance (a uniform scale would not: the B-CNN vector is L2-normalised)
    key = 'features.28.weight' if name == 'bcnn' else 'features.7.2.conv3.weight'
    ours_key = {'bcnn': 'net1.backbone.features.16.conv.weight',
                'resnet50': 'net1.backbone.layer4.2.conv3.weight'}[name]
    assert torch.equal(model.state_dict()[ours_key], state[key])
    with torch.no_grad():
        g = torch.Generator().manual_seed(0)
        weight = model.state_dict()[ours_key]
        weight.mul_(1 + 0.01 * torch.randn(weight.shape, generator=g))
        moved = (model(inputs, mode='tensor') - data['logits']).abs().max()
    assert moved > 10 * TOLERANCE[name], f'{name}: a 1 % change moved the logits by {moved}'


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    with pytest.raises(SystemExit):
        harness().main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
