"""Golden tests of hcml. HCML has NO official code (README), so:

(a) the neutral setting reproduces mmaction2's own base model exactly: with the fusion at its
    zero initialisation, ``HCMLResNetTSM`` / ``HCMLResNet`` give mmaction2's ``ResNetTSM`` /
    ``ResNet`` outputs for the same weights, and ``HCMLRecognizer`` with zero-weight
    contrastive losses gives ``Recognizer2D``'s loss and gradients;
(b) an independent plain-torch re-derivation of E1-E5 (explicit loops over clips, frames,
    levels and anchors; ``F.conv2d`` and the BN formula written out) on fixed non-degenerate
    weights (``tests/golden/make_golden.py``: fusion BN scales 0.5-1.5, the InfoNCE softmax far
    from uniform, asserted) agrees with our modules and with the stored regression golden
    ``hierarchy.pt``; a 1 % change of any one weight tensor moves the output beyond the
    tolerance;
(c) the whole recognizer from raw uint8 frames to the scores and losses (``whole_forward.pt``,
    2D ResNet-18 + the hierarchy at four stages + TSNHead), a regression golden of OUR code.

Tolerance 1e-5 absolute (float32 through a few convolutions: the re-derivation differs by
~1e-6, measured; a 1 % weight change moves the output by more than 1e-4).
"""
import importlib.util
import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from cvshared.checkpoint import load_checkpoint_file

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
TOL = 1e-5
# the tau = 0.005 InfoNCE values are ~170 nats: float32 keeps 7 digits (measured 1.5e-5 apart)
LOSS_RTOL = 1e-6


def _harness():
    spec = importlib.util.spec_from_file_location('hcml_make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------------------------- (a) neutral
def _pair(cls_ours, cls_base, **kw):
    import hcml  # noqa: F401
    motion = dict(stages=['layer1', 'layer2', 'layer3', 'layer4'], motion_channels=8)
    torch.manual_seed(0)
    ours = cls_ours(18, motion=motion, **kw)
    ours.init_weights()
    base = cls_base(18, **kw)
    base.load_state_dict(
        {k: v for k, v in ours.state_dict().items() if not k.startswith('motion.')},
        strict=True)
    # BN statistics and scales that are not the defaults, so the comparison is not trivial
    g = torch.Generator().manual_seed(1)
    for m_o, m_b in zip(ours.modules(), base.modules()):
        if isinstance(m_b, torch.nn.BatchNorm2d):
            for name in ('running_mean', 'weight', 'bias'):
                v = 0.1 * torch.randn(getattr(m_b, name).shape, generator=g)
                if name == 'weight':
                    v = v + 1
                getattr(m_b, name).data.copy_(v)
                getattr(m_o, name).data.copy_(v)
    ours.eval()  # (mmaction2's ResNet.train returns None: no chaining)
    base.eval()
    return ours, base


@pytest.mark.parametrize('kind', ['tsm', 'tsn'])
def test_zero_init_fusion_is_the_base_backbone(kind):
    from hcml.models import HCMLResNet, HCMLResNetTSM
    from mmaction.models.backbones.resnet import ResNet
    from mmaction.models.backbones.resnet_tsm import ResNetTSM
    if kind == 'tsm':
        ours, base = _pair(HCMLResNetTSM, ResNetTSM, num_segments=4, pretrained2d=False)
    else:
        ours, base = _pair(HCMLResNet, ResNet, **{})
        ours.num_segments = ours.motion.num_segments = 4
    x = torch.randn(8, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        out, ref = ours(x), base(x)
        # the hierarchy ran (motion features exist and are not zero) but added nothing
        assert len(ours.motion.last_motion) == 5
        assert ours.motion.last_motion[-1].abs().max() > 1e-3
    torch.testing.assert_close(out, ref, atol=1e-6, rtol=0)
    # the neutral setting is neutral only because the fusion scale is 0: 0.01 breaks it
    for level in ours.motion.levels:
        level.fuse[1].weight.data.fill_(0.01)
    with torch.no_grad():
        assert (ours(x) - ref).abs().max() > 1e-4


def test_zero_weight_losses_are_recognizer2d():
    """Same loss dict total and same gradients as mmaction2's Recognizer2D (TSN head)."""
    import hcml  # noqa: F401
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample
    from mmengine.registry import DefaultScope
    head = dict(type='TSNHead', num_classes=3, in_channels=512,
                consensus=dict(type='AvgConsensus', dim=1), dropout_ratio=0.0)
    ours_cfg = dict(type='HCMLRecognizer', cls_head=head,
                    backbone=dict(type='HCMLResNet', depth=18, num_segments=4, motion=dict(
                        stages=['layer1', 'layer2', 'layer3', 'layer4'], motion_channels=8)),
                    contrastive=dict(embed_channels=8, grid=2, loss_weight=0.0))
    base_cfg = dict(type='Recognizer2D', cls_head=head, backbone=dict(type='ResNet', depth=18))
    with DefaultScope.overwrite_default_scope('mmaction'):
        torch.manual_seed(0)
        ours = MODELS.build(ours_cfg)
        base = MODELS.build(base_cfg)
    shared = {k: v for k, v in ours.state_dict().items() if not k.startswith(
        ('backbone.motion.', 'contrastive.'))}
    base.load_state_dict(shared, strict=True)
    x = torch.randn(2, 4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    samples = [ActionDataSample().set_gt_label(torch.tensor([k])) for k in (0, 2)]
    lo, lb = ours(x, samples, mode='loss'), base(x, samples, mode='loss')
    assert {'loss_cls', 'loss_motion_l1', 'loss_motion_l4'} <= set(lo)
    total_o = sum(v for k, v in lo.items() if 'loss' in k)
    total_b = sum(v for k, v in lb.items() if 'loss' in k)
    torch.testing.assert_close(total_o, total_b, atol=1e-6, rtol=0)
    total_o.backward()
    total_b.backward()
    gb = dict(base.named_parameters())
    for name, p in ours.named_parameters():
        if name in gb and gb[name].grad is not None:
            torch.testing.assert_close(p.grad, gb[name].grad, atol=1e-6, rtol=1e-5)


# ---------------------------------------------------------------- (b) loop re-derivation
def _bn(x, bn):
    """Eval-mode BN written out (per channel)."""
    shape = (1, -1, 1, 1)
    return ((x - bn.running_mean.view(shape)) / torch.sqrt(bn.running_var.view(shape) + bn.eps)
            * bn.weight.view(shape) + bn.bias.view(shape))


def reference_hierarchy(layers, hierarchy, nce, stem, T):
    """E1-E5 with explicit loops (no call of our forward code)."""
    n = stem.shape[0] // T
    frames = [[stem[c * T + t] for t in range(T)] for c in range(n)]
    lower = [[frames[c][t + 1] - frames[c][t] for t in range(T - 1)] for c in range(n)]  # E1
    motion = [lower]
    a = stem
    for layer, level in zip(layers, hierarchy.levels):
        a = F.conv2d(a, layer.weight, layer.bias, layer.stride, layer.padding)
        h, w = a.shape[-2:]
        m_l, fused = [], []
        for c in range(n):
            r = [F.conv2d(a[c * T + t][None], level.reduce.weight)[0] for t in range(T)]
            clip_m = []
            for t in range(T - 1):                                                    # E2
                lo = F.adaptive_avg_pool2d(lower[c][t][None], (h, w))[0]
                x = torch.cat([r[t + 1] - r[t], r[t], lo], 0)[None]
                y = _bn(F.conv2d(x, level.encode[0].weight, padding=1), level.encode[1])
                clip_m.append(torch.relu(y)[0])
            m_l.append(clip_m)
            for t in range(T):                                                        # E3
                src = clip_m[min(t, T - 2)][None]
                fused.append(a[c * T + t] + _bn(F.conv2d(src, level.fuse[0].weight),
                                                level.fuse[1])[0])
        a = torch.stack(fused)
        motion.append(m_l)
        lower = m_l
    losses, probs = {}, {}
    for lvl in range(1, len(motion)):                                                 # E4, E5
        pred, proj = nce.predict[str(lvl)], nce.project[str(lvl)]
        z, k = [], []
        for c in range(n):
            for t in range(T - 2):
                zz = pred(motion[lvl][c][t][None])[0]
                h, w = zz.shape[-2:]
                kk = proj(F.adaptive_avg_pool2d(motion[lvl - 1][c][t + 1][None], (h, w)))[0]
                for y in range(h):
                    for x in range(w):
                        z.append(zz[:, y, x])
                        k.append(kk[:, y, x])
        total, rows = 0.0, []
        for i in range(len(z)):
            logits = torch.stack([F.cosine_similarity(z[i], kj, dim=0) for kj in k]) \
                / nce.temperature
            total = total - torch.log_softmax(logits, 0)[i]
            rows.append(torch.softmax(logits, 0))
        losses[f'loss_motion_l{lvl}'] = nce.loss_weight[lvl - 1] * total / len(z)
        probs[lvl] = torch.stack(rows)
    return a, motion, losses, probs


def test_hierarchy_matches_loop_reference_and_golden():
    h = _harness()
    layers, hierarchy, nce, stem = h.hierarchy_case()
    ours = h.run_hierarchy(layers, hierarchy, nce, stem)
    with torch.no_grad():
        ref_out, ref_motion, ref_losses, probs = reference_hierarchy(layers, hierarchy, nce,
                                                                      stem, h.T)
    # non-degenerate: the fusion adds something, the InfoNCE softmax is far from uniform
    for level in hierarchy.levels:
        assert level.fuse[1].weight.abs().min() > 0.4
    for lvl, p in probs.items():
        entropy = -(p * p.clamp_min(1e-30).log()).sum(1).mean()
        assert entropy < 0.5 * math.log(p.shape[1]), (lvl, float(entropy))
    torch.testing.assert_close(ours['outs'][-1], ref_out, atol=TOL, rtol=0)
    for lvl in (1, 2):
        want = torch.stack([m for clip in ref_motion[lvl] for m in clip])
        torch.testing.assert_close(ours['motion'][lvl], want, atol=TOL, rtol=0)
        key = f'loss_motion_l{lvl}'
        torch.testing.assert_close(ours['losses'][key], ref_losses[key], atol=TOL,
                                   rtol=LOSS_RTOL)
    golden = load_checkpoint_file(osp.join(GOLDEN, 'hierarchy.pt'))
    torch.testing.assert_close(golden['stem'], stem, atol=0, rtol=0)
    torch.testing.assert_close(ours['outs'][-1], golden['outs'][-1], atol=TOL, rtol=0)
    for key, v in golden['losses'].items():
        torch.testing.assert_close(ours['losses'][key], v, atol=TOL, rtol=LOSS_RTOL)


def test_one_percent_change_of_any_weight_moves_the_output():
    h = _harness()
    layers, hierarchy, nce, stem = h.hierarchy_case()
    base = h.run_hierarchy(layers, hierarchy, nce, stem)

    def signature(out):
        return torch.cat([out['outs'][-1].flatten()] + [v.view(1) for k, v in
                                                         sorted(out['losses'].items())
                                                         if k.startswith('loss')])
    ref = signature(base)
    for module in (hierarchy, nce):
        for name, p in module.named_parameters():
            saved = p.data.clone()
            p.data.mul_(1.01)
            moved = (signature(h.run_hierarchy(layers, hierarchy, nce, stem)) - ref).abs().max()
            p.data.copy_(saved)
            assert moved > 10 * TOL, f'{name}: a 1 % change moves the output by {moved:.2e}'


# ---------------------------------------------------------------- (c) whole forward
def test_whole_forward_regression_golden():
    h = _harness()
    model, frames, samples = h.whole_case()
    golden = load_checkpoint_file(osp.join(GOLDEN, 'whole_forward.pt'))
    assert torch.equal(golden['frames'], frames)
    out = h.run_whole(model, frames, samples)
    torch.testing.assert_close(out['scores'], golden['scores'], atol=TOL, rtol=0)
    # the scores are not uniform (every part matters) and the four levels all have a loss
    assert (out['scores'].max(1).values - out['scores'].min(1).values).min() > 1e-3
    assert sum(k.startswith('loss_motion') for k in out['losses']) == 4
    for key, v in golden['losses'].items():
        torch.testing.assert_close(out['losses'][key], v, atol=TOL, rtol=0)


def test_harness_refuses_a_missing_output_folder(tmp_path, capsys):
    with pytest.raises(SystemExit):
        _harness().main(['--out', str(tmp_path / 'no_folder')])
    assert 'no_folder' in capsys.readouterr().err
