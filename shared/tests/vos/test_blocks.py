"""Unit tests of the shared zero-shot VOS blocks (cvshared.vos.blocks, cvshared.vos.decoder).

References are written from the formulas of the card (loops / float64 closed forms), not by
calling the block under test twice. Golden comparisons with the official modules are in
test_golden.py.
"""
import pytest
import torch
import torch.nn.functional as F
from cvshared.vos import (
    GCT,
    IAFF,
    PDC,
    CoAttention,
    GlobalConv,
    MotionRef,
    ParallelCoAttention,
    Readout,
    Refine,
    ResBlock,
    SoftAttention,
    init_decoder_weights,
)


def randomise(module, seed=0, scale=0.5):
    """Random parameters and BN statistics (eval mode), so every part of a block matters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * scale)
        for name, b in module.named_buffers():
            if name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
            elif name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=g) * 0.1)
    return module.eval()


# ----------------------------------------------------------------------------------- GCT
def test_gct_is_identity_at_init():
    x = torch.randn(2, 6, 5, 4)
    gct = GCT(6)
    assert gct.alpha.shape == gct.gamma.shape == gct.beta.shape == (1, 6, 1, 1)
    assert torch.equal(gct(x), x)  # tanh(0) = 0 exactly
    with torch.no_grad():
        gct.gamma.fill_(0.5)
    assert not torch.allclose(gct(x), x, atol=1e-3)  # the identity above is not vacuous


def test_gct_closed_form_float64():
    torch.manual_seed(1)
    c, eps = 5, 1e-5
    x = torch.randn(3, c, 4, 6, dtype=torch.float64)
    gct = GCT(c, eps=eps).double()
    with torch.no_grad():
        gct.alpha.copy_(torch.rand(1, c, 1, 1) + 0.5)
        gct.gamma.copy_(torch.randn(1, c, 1, 1))
        gct.beta.copy_(torch.randn(1, c, 1, 1))
    out = gct(x)
    gct.requires_grad_(False)
    ref = torch.empty_like(x)
    for n in range(3):
        s = [float(gct.alpha[0, k]) * (float((x[n, k] ** 2).sum()) + eps) ** 0.5
             for k in range(c)]
        norm = (sum(v * v for v in s) / c + eps) ** 0.5
        for k in range(c):
            gate = 1 + torch.tanh(torch.tensor(float(gct.gamma[0, k]) * s[k] / norm
                                               + float(gct.beta[0, k]), dtype=torch.float64))
            ref[n, k] = x[n, k] * gate
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------- iAFF
def _iaff_reference(m, x, y, second_global):
    s = x + y
    w1 = torch.sigmoid(m.local_att(s) + m.global_att(s))
    mid = x * w1 + y * (1 - w1)
    w2 = torch.sigmoid(m.local_att2(mid) + second_global(mid))
    return x * w2 + y * (1 - w2)


@pytest.mark.parametrize('reuse', [True, False])
def test_iaff_flag_selects_second_global_branch(reuse):
    torch.manual_seed(2)
    x, y = torch.randn(2, 8, 5, 5), torch.randn(2, 8, 5, 5)
    m = randomise(IAFF(8, r=4, reuse_first_global=reuse), seed=3)
    assert m.local_att[0].out_channels == 2
    second = m.global_att if reuse else m.global_att2
    out = m(x, y)
    torch.testing.assert_close(out, _iaff_reference(m, x, y, second), rtol=0, atol=0)
    # the other global branch must not matter (reuse) / must matter (paper iAFF)
    other = m.global_att if not reuse else m.global_att2
    assert not torch.allclose(_iaff_reference(m, x, y, other), out, atol=1e-4)
    with torch.no_grad():
        m.global_att2[1].weight.add_(1.0)
    changed = not torch.equal(m(x, y), out)
    assert changed is (not reuse)


def test_iaff_is_convex_combination_of_inputs():
    torch.manual_seed(4)
    x, y = torch.randn(1, 8, 4, 4), torch.randn(1, 8, 4, 4)
    out = randomise(IAFF(8), seed=5)(x, y)
    lo, hi = torch.minimum(x, y), torch.maximum(x, y)
    assert bool(((out >= lo - 1e-6) & (out <= hi + 1e-6)).all())
    assert not torch.allclose(out, x) and not torch.allclose(out, y)


# ------------------------------------------------------------------------ SA / CA / PCM
def test_soft_attention_is_spatial_softmax_times_feature():
    torch.manual_seed(6)
    f1, f2 = torch.randn(2, 4, 3, 5, dtype=torch.float64), torch.randn(2, 4, 3, 5,
                                                                          dtype=torch.float64)
    sa = randomise(SoftAttention(4), seed=7).double()
    q1, q2 = sa(f1, f2)
    for conv, f, q in ((sa.c_f1, f1, q1), (sa.c_f2, f2, q2)):
        logits = torch.einsum('nchw,c->nhw', f, conv.weight[0, :, 0, 0]) + conv.bias[0]
        e = logits.exp()
        a = e / e.sum(dim=(1, 2), keepdim=True)
        torch.testing.assert_close(q, a[:, None] * f, rtol=1e-12, atol=1e-12)
    # separate convolutions for the two inputs
    assert not torch.allclose(sa(f1, f1)[0], sa(f1, f1)[1])


def test_co_attention_matches_double_loop_and_is_unit_norm():
    torch.manual_seed(8)
    c, h, w = 32, 2, 3
    f1 = torch.randn(2, c, h, w, dtype=torch.float64)
    f2 = torch.randn(2, c, h, w, dtype=torch.float64)
    ca = randomise(CoAttention(c, reduction=16), seed=9, scale=0.3).double()
    assert ca.p_f1.out_channels == 2
    z1, z2 = ca(f1, f2)
    norms = torch.cat([z1, z2]).norm(dim=1)
    torch.testing.assert_close(norms, torch.ones_like(norms), rtol=0, atol=1e-12)
    p1 = ca.p_f1(f1).flatten(2)
    p2 = ca.p_f2(f2).flatten(2)
    a1, a2 = f1.flatten(2), f2.flatten(2)
    n_pix = h * w
    for n in range(2):
        s = torch.empty(n_pix, n_pix, dtype=torch.float64)
        for j in range(n_pix):
            for i in range(n_pix):
                s[j, i] = torch.tanh((p2[n, :, j] * p1[n, :, i]).sum())
        r1 = torch.stack([sum(a1[n, :, i] * s[j, i] for i in range(n_pix))
                          for j in range(n_pix)], 1)
        r2 = torch.stack([sum(a2[n, :, i] * s[i, j] for i in range(n_pix))
                          for j in range(n_pix)], 1)
        r1 = r1 / r1.norm(dim=0, keepdim=True)
        r2 = r2 / r2.norm(dim=0, keepdim=True)
        torch.testing.assert_close(z1[n].flatten(1), r1, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(z2[n].flatten(1), r2, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match='one shape'):
        ca(f1, f2[..., :2])


@pytest.mark.parametrize('rounds', [1, 2, 5])
def test_parallel_co_attention_rounds_semantics(rounds):
    torch.manual_seed(10)
    f1, f2 = torch.randn(2, 32, 4, 4), torch.randn(2, 32, 4, 4)
    pcm = randomise(ParallelCoAttention(32, rounds=rounds), seed=11, scale=0.2)
    out = pcm(f1, f2)
    # reference: explicit unrolled rounds on the sub-blocks
    x1, x2 = f1, f2
    for k in range(rounds):
        q1, q2 = pcm.sa(x1, x2)
        z1, z2 = pcm.ca(q1, q2)
        if k < rounds - 1:
            x1, x2 = F.relu(z1 + x1), F.relu(z2 + x2)
    for got, want in zip(out, (z1, z2, q1, q2)):
        torch.testing.assert_close(got, want, rtol=0, atol=0)
    # the forward argument overrides the constructor's round count, same parameters
    other = 5 if rounds != 5 else 1
    alt = pcm(f1, f2, rounds=other)
    assert not torch.allclose(alt[0], out[0], atol=1e-4)
    pcm_other = ParallelCoAttention(32, rounds=other)
    pcm_other.load_state_dict(pcm.state_dict())
    torch.testing.assert_close(pcm_other.eval()(f1, f2)[0], alt[0], rtol=0, atol=0)


def test_parallel_co_attention_rejects_zero_rounds_and_converts_official_keys():
    with pytest.raises(ValueError, match='rounds >= 1'):
        ParallelCoAttention(16, rounds=0)
    pcm = ParallelCoAttention(16)
    with pytest.raises(ValueError, match='rounds >= 1'):
        pcm(torch.randn(1, 16, 2, 2), torch.randn(1, 16, 2, 2), rounds=0)
    official = {f'pca_res3.{k}.{p}': v for k in ('p_f1', 'p_f2', 'c_f1', 'c_f2')
                for p, v in (('weight', torch.zeros(1)), ('bias', torch.zeros(1)))}
    official['pca_res3x.c_f1.weight'] = torch.zeros(1)  # another module: untouched
    converted = ParallelCoAttention.convert_official(official, prefix='pca_res3.')
    assert 'pca_res3.sa.c_f1.weight' in converted and 'pca_res3.ca.p_f2.bias' in converted
    assert 'pca_res3x.c_f1.weight' in converted
    assert len(converted) == len(official)
    assert set(ParallelCoAttention.convert_official(
        {k[len('pca_res3.'):]: v for k, v in official.items() if k.startswith('pca_res3.')}
    )) == set(pcm.state_dict())


def test_readout_shares_one_gct_and_converts_both_official_layouts():
    torch.manual_seed(12)
    x, y = torch.randn(2, 8, 4, 4), torch.randn(2, 8, 4, 4)
    ro = randomise(Readout(8), seed=13)
    with torch.no_grad():  # GCT away from identity
        ro.gct.gamma.normal_()
    torch.testing.assert_close(ro(x, y), ro.iaff(ro.gct(x), ro.gct(y)), rtol=0, atol=0)
    assert not torch.allclose(ro(x, y), ro.iaff(x, y), atol=1e-4)
    keys = set(ro.state_dict())
    assert {k for k in keys if 'alpha' in k} == {'gct.alpha'}
    for gct_name, fuse_name in (('gac', 'gaf'), ('gct', 'faf')):  # HGPU, HCPN
        official = {k.replace('gct.', f'{gct_name}.').replace('iaff.', f'{fuse_name}.'): v
                    for k, v in ro.state_dict().items()}
        assert set(Readout.convert_official(official)) == keys


def test_blocks_backpropagate():
    torch.manual_seed(14)
    f1 = torch.randn(2, 32, 4, 4, requires_grad=True)
    f2 = torch.randn(2, 32, 4, 4, requires_grad=True)
    pcm = ParallelCoAttention(32, rounds=2)
    ro = Readout(32)
    za, zb, qa, qb = pcm(f1, f2)
    (ro(qa, qb).square().mean() + za.sum() + zb.square().sum()).backward()
    for t in (f1, f2, pcm.sa.c_f1.weight, pcm.ca.p_f2.weight, ro.gct.gamma):
        assert t.grad is not None and torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0


# ------------------------------------------------------------------------------- decoder
def test_init_decoder_weights_is_the_official_normal():
    torch.manual_seed(15)
    m = MotionRef(64)
    for conv in (m.conv1, m.conv2):
        std = float(conv.weight.detach().std())
        assert 0.0009 < std < 0.0011  # 36864 / 36864 samples of N(0, 0.001): 1 % std error
        assert torch.equal(conv.bias, torch.zeros_like(conv.bias))
    assert torch.equal(m.bn1.weight, torch.ones(64))
    plain = init_decoder_weights(torch.nn.Linear(200, 300))
    assert 0.0095 < float(plain.weight.detach().std()) < 0.0105
    assert float(GlobalConv(8, 16, official_init=False).conv_l1.weight.detach().std()) > 0.01


def test_global_conv_is_sum_of_two_separable_paths():
    torch.manual_seed(16)
    gc = randomise(GlobalConv(6, 10, kernel_size=5, hidden=7), seed=17)
    x = torch.randn(2, 6, 9, 8)
    left = F.conv2d(F.conv2d(x, gc.conv_l1.weight, gc.conv_l1.bias, padding=(2, 0)),
                    gc.conv_l2.weight, gc.conv_l2.bias, padding=(0, 2))
    right = F.conv2d(F.conv2d(x, gc.conv_r1.weight, gc.conv_r1.bias, padding=(0, 2)),
                     gc.conv_r2.weight, gc.conv_r2.bias, padding=(2, 0))
    assert gc.conv_l1.weight.shape == (7, 6, 5, 1) and gc.conv_r1.weight.shape == (7, 6, 1, 5)
    torch.testing.assert_close(gc(x), left + right, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('reuse', [True, False])
def test_pdc_rate6_reuse_flag(reuse):
    torch.manual_seed(18)
    pdc = randomise(PDC(5, 16, reuse_rate6=reuse), seed=19)
    with torch.no_grad():  # BN to identity so the branches can be read off
        pdc.bn.running_mean.zero_()
        pdc.bn.running_var.fill_(1 - pdc.bn.eps)
        pdc.bn.weight.fill_(1)
        pdc.bn.bias.zero_()
    x = torch.randn(1, 5, 20, 20)
    out = pdc(x)
    assert out.shape == (1, 16, 20, 20)
    q = out.split(4, dim=1)
    rate6 = F.conv2d(x, pdc.block1.conv.weight, pdc.block1.conv.bias, padding=6, dilation=6)
    torch.testing.assert_close(q[1], rate6, rtol=1e-5, atol=1e-5)
    rate12 = F.conv2d(x, pdc.block2.conv.weight, pdc.block2.conv.bias, padding=12,
                      dilation=12)
    torch.testing.assert_close(q[2], rate6 if reuse else rate12, rtol=1e-5, atol=1e-5)
    assert torch.equal(q[1], q[3]) is reuse


def test_refine_wiring_and_official_keys():
    torch.manual_seed(20)
    rf = randomise(Refine(9, mdim=8), seed=21, scale=0.2)
    f, pm = torch.randn(2, 9, 8, 8), torch.randn(2, 8, 4, 4)
    s = rf.pdc(f)
    s = s + rf.convFS3(F.relu(rf.convFS2(F.relu(s))))
    m = s + F.interpolate(pm, size=(8, 8), mode='bilinear', align_corners=False)
    ref = m + rf.convMM2(F.relu(rf.convMM1(F.relu(m))))
    torch.testing.assert_close(rf(f, pm), ref, rtol=0, atol=0)
    assert 'convFS1.weight' in rf.state_dict() and 'pdc.block3.conv.weight' in rf.state_dict()
    assert 'convFS1.weight' not in Refine(9, mdim=8, keep_unused=False).state_dict()


def test_motion_ref_and_res_block():
    torch.manual_seed(22)
    mr = randomise(MotionRef(6), seed=23)
    x = torch.randn(2, 6, 5, 5)
    ref = mr.conv3(F.relu(mr.conv2(mr.bn2(F.relu(mr.conv1(mr.bn1(x)))))))
    assert mr(x).shape == (2, 1, 5, 5)
    torch.testing.assert_close(mr(x), ref, rtol=0, atol=0)
    rb = randomise(ResBlock(6), seed=24)
    torch.testing.assert_close(rb(x), x + rb.conv2(F.relu(rb.conv1(F.relu(x)))), rtol=0,
                               atol=0)


REGISTERED = [
    dict(type='GCT', channels=4), dict(type='IAFF', channels=8),
    dict(type='SoftAttention', channels=4), dict(type='CoAttention', channels=16),
    dict(type='ParallelCoAttention', channels=16, rounds=1), dict(type='Readout', channels=8),
    dict(type='GlobalConv', in_channels=4), dict(type='PDC', in_channels=4),
    dict(type='Refine', in_channels=4), dict(type='MotionRef', in_channels=4),
    dict(type='ResBlock', mdim=8), dict(type='WeightedBCELoss'),
]


def test_registered_in_mmseg_scope():
    """One test (not parametrised): the first mmseg build imports mmseg.models (~10 s)."""
    import cvshared.vos as vos
    from mmseg.registry import MODELS
    for cfg in REGISTERED:
        assert type(MODELS.build(dict(cfg))) is getattr(vos, cfg['type'])
