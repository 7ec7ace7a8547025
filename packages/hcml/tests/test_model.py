"""Properties of hcml's components: the InfoNCE against pytorch-metric-learning's NTXentLoss and
a direct log-softmax formula, the t -> t+1 alignment (an indexing fixture that an off-by-one
fails), shapes per level, float64 gradchecks, the self-supervised mode, bad input, the
converter and the drawing."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F


# ------------------------------------------------------------------------------ InfoNCE (E5)
def _fixed(m=12, d=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(m, d, generator=g, dtype=torch.float64)
    k = a + 0.7 * torch.randn(m, d, generator=g, dtype=torch.float64)  # positives correlated
    return a, k


@pytest.mark.parametrize('tau', [0.07, 0.5])
def test_info_nce_equals_ntxent_and_log_softmax(tau):
    from hcml.models import info_nce
    from pytorch_metric_learning.losses import NTXentLoss
    a, k = _fixed()
    a.requires_grad_(True)
    ours = info_nce(a, k, tau)
    labels = torch.arange(a.shape[0])
    # pml's own pair miner drops the diagonal (it takes ref_emb[i] for the anchor itself), so
    # the pairs are given: positive (i, i), negatives (i, j != i) of ref_emb
    i = torch.arange(a.shape[0])
    a2, neg = (~torch.eye(a.shape[0], dtype=torch.bool)).nonzero(as_tuple=True)
    pairs = (i, i, a2, neg)
    pml = NTXentLoss(temperature=tau)(a, labels, indices_tuple=pairs, ref_emb=k,
                                      ref_labels=labels)
    sim = F.normalize(a, dim=1) @ F.normalize(k, dim=1).t() / tau
    direct = -torch.log_softmax(sim, 1).diagonal().mean()
    torch.testing.assert_close(ours, pml, atol=1e-10, rtol=0)
    torch.testing.assert_close(ours, direct, atol=1e-10, rtol=0)
    g_ours, = torch.autograd.grad(ours, a)
    g_pml, = torch.autograd.grad(NTXentLoss(temperature=tau)(
        a, labels, indices_tuple=pairs, ref_emb=k, ref_labels=labels), a)
    torch.testing.assert_close(g_ours, g_pml, atol=1e-10, rtol=0)
    # not a trivial agreement: a wrong positive (the next row) gives another value
    assert abs(float(info_nce(a, k.roll(1, 0), tau)) - float(ours)) > 0.1


def test_info_nce_gradcheck_float64():
    from hcml.models import info_nce
    a, k = _fixed(6, 3, seed=1)
    a.requires_grad_(True)
    k.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x, y: info_nce(x, y, 0.2), (a, k))


# ------------------------------------------------------------------- t -> t+1 alignment
def _coded(n, T, g, code_t_offset=0):
    """(N*(T-1), 1, g, g) maps whose value is the code n*1000 + t*100 + y*10 + x."""
    pairs = T - 1
    out = torch.zeros(n * pairs, 1, g, g)
    for c in range(n):
        for t in range(pairs):
            for y in range(g):
                for x in range(g):
                    out[c * pairs + t, 0, y, x] = c * 1000 + (t + code_t_offset) * 100 + y * 10 + x
    return out


def alignment_ok(pairs_fn, n=2, T=5, g=2) -> bool:
    """The fixture: every anchor (n, t, y, x) must be paired with the target (n, t+1, y, x),
    for every t = 0 .. T-3 exactly once."""
    z, k = pairs_fn(_coded(n, T, g), _coded(n, T, g), T)
    za, kb = z[:, 0].long(), k[:, 0].long()
    want = sorted(c * 1000 + t * 100 + y * 10 + x for c in range(n) for t in range(T - 2)
                  for y in range(g) for x in range(g))
    return sorted(za.tolist()) == want and bool((kb - za == 100).all())


def test_future_pairs_align_t_with_t_plus_1():
    from hcml.models import future_pairs
    assert alignment_ok(future_pairs)


def test_alignment_fixture_rejects_off_by_one():
    from hcml.models import future_pairs
    assert not alignment_ok(lambda z, k, T: future_pairs(z, k, T, shift=0))   # same time
    assert not alignment_ok(lambda z, k, T: future_pairs(z, k, T, shift=2))   # two ahead

    def backwards(z, k, T):   # the past instead of the future
        return future_pairs(k, z, T, shift=1)[::-1]
    assert not alignment_ok(backwards)

    def rolled(z, k, T):      # one position off in space
        a, b = future_pairs(z, k, T)
        return a, b.roll(1, 0)
    assert not alignment_ok(rolled)


def test_loss_is_low_exactly_when_the_future_is_predicted():
    """Targets built so that k(t+1) = z(t): shift 1 gives a loss near 0, shift 0 does not."""
    from hcml.models import future_pairs, info_nce
    g = torch.Generator().manual_seed(0)
    n, T = 3, 6
    z = torch.randn(n * (T - 1), 8, 2, 2, generator=g)
    k = torch.randn(n * (T - 1), 8, 2, 2, generator=g).view(n, T - 1, 8, 2, 2)
    k[:, 1:] = z.view(n, T - 1, 8, 2, 2)[:, :-1]
    k = k.flatten(0, 1)
    good = info_nce(*future_pairs(z, k, T, shift=1), 0.05)
    bad = info_nce(*future_pairs(z, k, T, shift=0), 0.05)
    assert good < 0.05 and bad > 1.0, (float(good), float(bad))   # measured 0.019, 20.7


# --------------------------------------------------------------------------- shapes per level
def test_shapes_per_level_and_losses():
    import hcml  # noqa: F401
    from hcml.models import HCMLResNet, HierarchicalMotionInfoNCE
    T = 4
    net = HCMLResNet(18, num_segments=T, motion=dict(
        stages=['layer1', 'layer2', 'layer3', 'layer4'], motion_channels=[4, 5, 6, 7],
        zero_init_fusion=False))  # (zero-init: the fusion conv gets no gradient at step 0)
    net.init_weights()
    x = torch.randn(2 * T, 3, 64, 64, requires_grad=True)
    out = net(x)
    assert out.shape == (2 * T, 512, 2, 2)
    shapes = [tuple(m.shape) for m in net.motion.last_motion]
    assert shapes == [(6, 64, 16, 16), (6, 4, 16, 16), (6, 5, 8, 8), (6, 6, 4, 4), (6, 7, 2, 2)]
    nce = HierarchicalMotionInfoNCE(net.motion.channels, T, 8, grid=2)
    losses = nce(net.motion.last_motion)
    assert sorted(losses) == sorted([f'{p}_motion_l{i}' for p in ('loss', 'acc')
                                     for i in (1, 2, 3, 4)])
    (out.mean() + sum(v for k, v in losses.items() if k.startswith('loss'))).backward()
    assert x.grad.abs().sum() > 0
    for name, p in list(net.motion.named_parameters()) + list(nce.named_parameters()):
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_motion_level_gradcheck_float64():
    from hcml.models import MotionLevel
    torch.manual_seed(0)
    level = MotionLevel(3, 2, lower_channels=2, zero_init_fusion=False).double().eval()
    a = torch.randn(2 * 3, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    lower = torch.randn(2 * 2, 2, 8, 8, dtype=torch.float64, requires_grad=True)

    def f(a, lower):
        m = level.motion(a, lower, 3)
        return level.fusion(a, m, 3), m
    assert torch.autograd.gradcheck(f, (a, lower))


def test_contrastive_heads_gradcheck_float64():
    from hcml.models import HierarchicalMotionInfoNCE
    torch.manual_seed(0)
    nce = HierarchicalMotionInfoNCE([2, 3], num_segments=4, embed_channels=4, temperature=0.3,
                                    grid=2).double()
    m0 = torch.randn(3, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    m1 = torch.randn(3, 3, 2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: nce([a, b])['loss_motion_l1'], (m0, m1))


# ----------------------------------------------------------------------------- recognizer
def _recognizer(**kw):
    import hcml  # noqa: F401
    from mmaction.registry import MODELS
    from mmengine.registry import DefaultScope
    cfg = dict(type='HCMLRecognizer',
               backbone=dict(type='HCMLResNet', depth=18, num_segments=4, motion=dict(
                   stages=['layer2', 'layer4'], motion_channels=8, stem_motion=False)),
               contrastive=dict(embed_channels=8, grid=2),
               cls_head=dict(type='TSNHead', num_classes=3, in_channels=512,
                             consensus=dict(type='AvgConsensus', dim=1)))
    cfg.update(kw)
    with DefaultScope.overwrite_default_scope('mmaction'):
        return MODELS.build(cfg)


def test_self_supervised_mode_has_only_contrastive_losses():
    from mmaction.structures import ActionDataSample
    x = torch.randn(2, 4, 3, 32, 32)
    samples = [ActionDataSample() for _ in range(2)]     # no labels needed
    losses = _recognizer(self_supervised=True)(x, samples, mode='loss')
    # without M_0 level 1 has no lower level: only level 2 (layer4 predicts layer2's future)
    assert sorted(losses) == ['acc_motion_l2', 'loss_motion_l2']
    sup = _recognizer()(x, [ActionDataSample().set_gt_label(torch.tensor([1]))] * 2,
                        mode='loss')
    assert 'loss_cls' in sup and 'loss_motion_l2' in sup


def test_bad_input_errors():
    from hcml.models import HCMLResNet, MotionHierarchy
    net = HCMLResNet(18, num_segments=4, motion=dict(stages=['layer1'], motion_channels=4))
    with pytest.raises(ValueError, match='num_segments=4'):
        net(torch.randn(6, 3, 32, 32))    # 6 frames are not whole clips of 4
    with pytest.raises(ValueError, match='layer5'):
        HCMLResNet(18, motion=dict(stages=['layer5']))
    with pytest.raises(ValueError, match='num_segments >= 3'):
        MotionHierarchy(['a'], [8], 4, num_segments=2)
    with pytest.raises(ValueError, match='contrastive losses need a backbone'):
        _recognizer(backbone=dict(type='HCMLResNet', depth=18, motion=None))


def test_convert_round_trip():
    from hcml.convert import convert, to_official
    model = _recognizer()
    base = to_official(model.state_dict())
    assert not any(k.startswith(('backbone.motion.', 'contrastive.')) for k in base)
    missing, unexpected = model.load_state_dict(
        convert({'module.' + k: v for k, v in base.items()}), strict=False)
    assert not unexpected
    assert missing and all(k.startswith(('backbone.motion.', 'contrastive.')) for k in missing)
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})


def test_draw_sample_rows_per_level():
    from hcml.hooks import draw_sample
    m0 = torch.zeros(3, 2, 4, 4)
    m0[1, :, 0, 0] = 5.0                    # one bright cell in pair 1 of level 0
    m1 = torch.ones(3, 6, 2, 2)
    pic = draw_sample([None, m0, m1], pred_label=1, gt_label=2, cell=8, border=1)
    assert pic.shape == (2 * 8 + 2, 3 * 8 + 2, 3)
    assert tuple(pic[0, 0]) == (220, 0, 0)              # wrong prediction: red border
    assert pic[1 + 0, 1 + 8 + 0, 0] == 255 and pic[1 + 5, 1 + 8 + 5, 0] == 0
    assert (pic[1 + 8:1 + 16, 1:-1] == 255).all()       # uniform level 1: all at its maximum
    with pytest.raises(ValueError, match='no motion level'):
        draw_sample([None])
    assert np.asarray(pic).dtype == np.uint8


def test_visualization_hook_draws_each_test_clip(tmp_path):
    from types import SimpleNamespace

    from hcml.hooks import HCMLVisualizationHook
    from mmaction.structures import ActionDataSample
    from PIL import Image
    model = _recognizer().eval()
    samples = [ActionDataSample(metainfo=dict(filename=f'/v/clip{i}.webm')).set_gt_label(
        torch.tensor([i])) for i in range(2)]
    with torch.no_grad():
        outputs = model(torch.randn(2, 4, 3, 32, 32), samples, mode='predict')
    hook = HCMLVisualizationHook(draw=True, test_out_dir=str(tmp_path / 'vis'))
    runner = SimpleNamespace(model=model, work_dir=str(tmp_path), timestamp='t')
    hook.before_test(runner)
    hook.after_test_iter(runner, 0, None, outputs)
    pics = sorted(p.name for p in (tmp_path / 'vis').iterdir())
    assert pics == ['clip0.png', 'clip1.png']
    pic = np.asarray(Image.open(tmp_path / 'vis' / 'clip1.png'))
    assert pic.shape[0] == 2 * 48 + 4 and pic.shape[1] == 3 * 48 + 4   # 2 levels, 3 pairs
    with pytest.raises(ValueError, match='no motion hierarchy'):
        HCMLVisualizationHook(draw=True).before_test(SimpleNamespace(model=torch.nn.Linear(1, 1)))
