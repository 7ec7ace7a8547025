"""The card's CPU-verifiable list: OSME with P = 1 is an SE layer, C3S against a closed form in
numpy, the KL term against F.kl_div(reduction='sum') / B, the ResNet-50 forward at 448 (the
shapes of the six official outputs), plus gradients, the fusion-size flag, the per-data-set
settings, the converter and the drawing."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample


def _build(cfg):
    from crossx.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def tiny(branches=('ulti', 'plty', 'cmbn'), plty_pool='max', **head):
    return _build(dict(
        type='ImageClassifier',
        backbone=dict(type='CrossXResNet', depth=50, stage_blocks=(1, 1, 2, 2),
                      stem_channels=16, base_channels=8, osme_reductions=(16, 16),
                      zero_init_residual=False),
        head=dict(type='CrossXHead', num_classes=3, in_channels=(128, 256),
                  branches=branches, plty_pool=plty_pool, **head)))


def test_osme_with_one_part_is_an_se_layer():
    from crossx.models import OSME
    from mmpretrain.models.utils import SELayer
    torch.manual_seed(0)
    osme, se = OSME(64, num_parts=1, reduction=8), SELayer(64, ratio=8)
    fc1, fc2 = osme.excitations[0][0], osme.excitations[0][2]
    with torch.no_grad():   # shared weights: Linear -> 1x1 conv
        fc1.weight.normal_(0, 0.5), fc2.weight.normal_(0, 1.0), fc2.bias.normal_(0, 1.0)
        se.conv1.conv.weight.copy_(fc1.weight[..., None, None])
        se.conv1.conv.bias.copy_(fc1.bias)
        se.conv2.conv.weight.copy_(fc2.weight[..., None, None])
        se.conv2.conv.bias.copy_(fc2.bias)
    x = torch.rand(2, 64, 5, 7)
    (ours,) = osme(x)
    gates = osme.gates(x)
    assert gates.std() > 0.2   # the gates are far from a constant 0.5
    torch.testing.assert_close(ours, se(x), rtol=1e-5, atol=1e-6)


def test_osme_parts_differ_and_share_the_squeeze():
    from crossx.models import OSME
    torch.manual_seed(1)
    osme = OSME(32, num_parts=3, reduction=4)
    x = torch.rand(2, 32, 4, 4)
    parts = osme(x)
    assert len(parts) == 3 and not torch.allclose(parts[0], parts[1])
    # each part = x times its excitation of the one global average
    s = x.mean((2, 3))
    for p, part in enumerate(parts):
        torch.testing.assert_close(part, x * osme.excitations[p](s)[..., None, None])


def test_c3s_matches_closed_form_numpy():
    from crossx.models import c3s_loss
    rng = np.random.default_rng(0)
    feats = [rng.normal(size=(6, 10)) + 0.5 * i for i in range(3)]
    normed = [f / np.linalg.norm(f, axis=1, keepdims=True) for f in feats]
    s = np.array([[np.mean(a @ b.T) for b in normed] for a in normed])
    expected = 0.3 * (sum(1 - s[p, p] for p in range(3))
                      + sum(s[p, q] for p in range(3) for q in range(p + 1, 3)))
    got = c3s_loss([torch.tensor(f, dtype=torch.float64) for f in feats], gamma=0.3)
    assert abs(float(got) - expected) < 1e-10
    # identical parts: S_pp = S_pq, so the loss is P + (P(P-1)/2 - P) * S
    same = [torch.tensor(feats[0])] * 2
    s00 = np.mean(normed[0] @ normed[0].T)
    assert abs(float(c3s_loss(same)) - (2 - 2 * s00 + s00)) < 1e-10


def test_kl_matches_f_kl_div_and_its_gradient():
    from crossx.models import cross_layer_kl
    torch.manual_seed(0)
    t = torch.randn(5, 7, requires_grad=True)
    others = [torch.randn(5, 7, requires_grad=True) for _ in range(2)]
    ours = cross_layer_kl(t, others)
    ref = sum(F.kl_div(o.log_softmax(1), t.softmax(1), reduction='sum') for o in others) / 5
    torch.testing.assert_close(ours, ref)
    g_ours = torch.autograd.grad(ours, [t, *others])
    g_ref = torch.autograd.grad(ref, [t, *others])
    for a, b in zip(g_ours, g_ref):
        torch.testing.assert_close(a, b)
    assert g_ours[0].abs().sum() > 0   # official: the target is not detached
    g_det = torch.autograd.grad(cross_layer_kl(t, others, detach_target=True), t,
                                allow_unused=True)[0]
    assert g_det is None or g_det.abs().sum() == 0


def test_kl_gradient_stays_finite_when_a_probability_underflows():
    from crossx.models import cross_layer_kl
    t = torch.tensor([[200.0, 0.0, -200.0]], requires_grad=True)
    o = torch.tensor([[0.0, 1.0, 2.0]], requires_grad=True)
    ref = F.kl_div(o.log_softmax(1), t.softmax(1), reduction='sum')
    assert torch.isnan(torch.autograd.grad(ref, t)[0]).any()   # F.kl_div: NaN
    g = torch.autograd.grad(cross_layer_kl(t, [o]), t)[0]
    assert torch.isfinite(g).all()
    torch.testing.assert_close(cross_layer_kl(t, [o]), ref)


@pytest.mark.parametrize('backbone', ['CrossXResNet', 'CrossXSEResNet'])
def test_resnet50_forward_at_448_has_the_official_shapes(backbone):
    # the ResNet on the CPU (random weights, 1 x 3 x 448 x 448, ~35 GFLOPs); the SE-ResNet's
    # shapes on the meta device (its numbers are checked by the SENet golden)
    device = 'cpu' if backbone == 'CrossXResNet' else 'meta'
    model = _build(dict(type='ImageClassifier', backbone=dict(type=backbone, depth=50),
                        head=dict(type='CrossXHead', num_classes=200))).eval().to(device)
    assert sum(isinstance(m, torch.nn.Module) and hasattr(m, 'osme')
               for m in model.backbone.modules()) == 2
    assert model.backbone.layer3[5].osme.excitations[0][0].out_features == \
        (4 if backbone == 'CrossXResNet' else 16)
    with torch.no_grad():
        feats = model.extract_feat(torch.rand(1, 3, 448, 448, device=device))
        out = model.head.forward_branches(feats)
    assert [tuple(f.shape) for f in feats[0]] == [(1, 1024, 28, 28)] * 2
    assert [tuple(f.shape) for f in feats[1]] == [(1, 2048, 14, 14)] * 2
    assert all(out[b].shape == (1, 200) for b in ('ulti', 'plty', 'cmbn'))
    assert [f.shape[1] for f in out['ulti_feats'] + out['plty_feats'] + out['cmbn_feats']] == \
        [2048] * 2 + [1024] * 4


def test_official_fusion_size_at_448_and_the_error_elsewhere():
    model = tiny().eval()
    x = torch.rand(1, 3, 448, 448)
    with torch.no_grad():
        derived = model(x, mode='tensor')
        model.head.fusion_size = 28   # the official hard-coded size
        official = model(x, mode='tensor')
        torch.testing.assert_close(derived, official)
        with pytest.raises(ValueError, match='fusion_size=None'):
            model(torch.rand(1, 3, 224, 224), mode='tensor')


def test_losses_gradients_and_branch_choices():
    torch.manual_seed(0)
    model = tiny()
    x = torch.rand(4, 3, 64, 64)
    samples = [DataSample().set_gt_label(i % 3) for i in range(4)]
    losses = model(x, samples, mode='loss')
    assert set(losses) == {'loss_cls', 'loss_c3s_ulti', 'loss_c3s_plty', 'loss_c3s_cmbn',
                           'loss_kl'}
    sum(losses.values()).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    dogs = tiny(branches=('ulti', 'plty'))
    losses = dogs(x, samples, mode='loss')
    assert set(losses) == {'loss_cls', 'loss_c3s_ulti', 'loss_c3s_plty', 'loss_kl'}
    sum(losses.values()).backward()
    assert dogs.head.fuse[0][0].weight.grad is None and dogs.head.fc_plty.weight.grad.abs().sum()


def test_max_versus_avg_pooling_of_plty():
    torch.manual_seed(0)
    mix = tiny(plty_pool='max').eval()
    avg = tiny(plty_pool='avg').eval()
    avg.load_state_dict(mix.state_dict())
    with torch.no_grad():
        feats = mix.extract_feat(torch.rand(2, 3, 64, 64))
        a = mix.head.forward_branches(feats)['plty_feats'][0]
        b = avg.head.forward_branches(feats)['plty_feats'][0]
    torch.testing.assert_close(a, feats[0][0].amax((2, 3)))
    torch.testing.assert_close(b, feats[0][0].mean((2, 3)))


def test_predict_sums_the_branches_and_keeps_the_part_maps():
    torch.manual_seed(0)
    model = tiny().eval()
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        out = model.head.forward_branches(model.extract_feat(x))
        preds = model(x, [DataSample().set_gt_label(0) for _ in range(2)], mode='predict')
    total = out['ulti'] + out['plty'] + out['cmbn']
    torch.testing.assert_close(preds[0].pred_score, total[0].softmax(0))
    assert preds[0].part_maps.shape == (2, 2, 2)
    maps = preds[0].part_maps.flatten(1)
    assert maps.amax(1).tolist() == pytest.approx([1.0, 1.0])
    assert maps.amin(1).tolist() == pytest.approx([0.0, 0.0])


def test_baseline_backbone_is_the_plain_resnet():
    from mmpretrain.models.backbones import ResNet
    ours = _build(dict(type='CrossXResNet', depth=50, osme_stages=(), osme_reductions=()))
    plain = ResNet(depth=50)
    assert set(ours.state_dict()) == set(plain.state_dict())


def test_hyperparameters_of_initialization_py():
    from crossx.hyperparams import crossx_hyperparams as hp
    assert hp('resnet', 'cubbirds')['gammas'] == (0.5, 0.25, 0.5)
    assert hp('resnet', 'stcars')['gammas'] == (1.0, 0.25, 1.0)
    dogs = hp('resnet', 'stdogs')
    assert dogs['lr'] == 0.001 and dogs['branches'] == ('ulti', 'plty')
    assert hp('resnet', 'vggaircraft')['gammas'] == (0.0, 0.0, 0.0)   # the official typo
    assert hp('resnet', 'vggaircraft', official_aircraft_typo=False)['gammas'] == \
        (0.5, 0.1, 0.5)
    assert hp('senet', 'stdogs')['num_parts'] == 3
    assert hp('resnet', 'nabirds')['plty_pool'] == 'max' and \
        hp('resnet', 'stcars')['plty_pool'] == 'avg'
    with pytest.raises(ValueError, match='vggaricraft'):
        hp('resnet', 'vggaricraft')


@pytest.mark.parametrize('senet', [False, True])
def test_convert_round_trip_loads_strictly(senet):
    from crossx.convert import convert, to_official
    backbone = 'CrossXSEResNet' if senet else 'CrossXResNet'
    model = _build(dict(type='ImageClassifier',
                        backbone=dict(type=backbone, depth=50, stage_blocks=(1, 1, 2, 2),
                                      base_channels=16, osme_reductions=(16, 16),
                                      se_ratios=(4, 4, 4, 4)) if senet else
                        dict(type=backbone, depth=50, stage_blocks=(1, 1, 2, 2),
                             base_channels=16, osme_reductions=(16, 16)),
                        head=dict(type='CrossXHead', num_classes=3, in_channels=(256, 512))))
    official = {'module.' + k: v for k, v in to_official(model.state_dict(), senet).items()}
    part = 'se.parts' if senet else 'me.parts'
    assert f'module.layer3.1.{part}.1.2.weight' in official
    assert 'module.conv3_2.weight' in official and 'module.bn3_1.running_var' in official
    if senet:
        assert official['module.layer2.0.se.fc.0.weight'].dim() == 2
        assert 'module.layer3.1.se.dresponse.2.bias' in official
    converted = convert(official)
    model.load_state_dict(converted, strict=True)
    for k, v in model.state_dict().items():
        assert torch.equal(converted[k], v)
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})
