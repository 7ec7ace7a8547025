"""Golden tensors of the official HP code (tests/golden/, written by tests/golden/make_golden.py
from a checkout of github.com/hynnsk/HP; PROVENANCE.md says which commit and command)."""
import importlib.util
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from cvshared.checkpoint import load_checkpoint_file
from hp.models import HPHead
from hp.models.hidden_positives import (
    hidden_positives_loss,
    local_attention,
    local_hidden_positive_codes,
    neighbourhood_mask,
)

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
LOSS = load_checkpoint_file(osp.join(GOLDEN, 'loss.pt'))
FEATURIZER = load_checkpoint_file(osp.join(GOLDEN, 'featurizer.pt'))


def _harness():
    spec = importlib.util.spec_from_file_location('hp_make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _loss(case, lmbd=None):
    i = case['inputs']
    z = i['z'].clone().requires_grad_()
    z_mix = i['z_mix'].clone().requires_grad_()
    torch.manual_seed(case['seed'])            # the official draws rho from the global RNG
    loss = hidden_positives_loss(z, z_mix, i['s'], i['f'], i['pool_ag'], i['pool_sp'],
                                 case['lmbd'] if lmbd is None else lmbd, case['tau'],
                                 case['rho'], chunk_size=LOSS['spatial_size'] ** 2)
    loss.backward()
    return loss.detach(), z.grad, z_mix.grad


@pytest.mark.parametrize('name', ['potsdam', 'late', 'half'])
def test_loss_and_gradients_equal_the_official(name):
    case = next(c for c in LOSS['cases'] if c['name'] == name)
    loss, gz, gm = _loss(case)
    # lambda 0, 1, 0.5: the official's float16 masks hold these weights and their row sums
    # exactly; float32 sums of 48 terms (measured: loss <= 1.9e-6 of 24.3, gradients 4.5e-8)
    torch.testing.assert_close(loss, case['loss'], rtol=1e-6, atol=0)
    torch.testing.assert_close(gz, case['grad_z'], rtol=0, atol=1e-6)
    torch.testing.assert_close(gm, case['grad_z_mix'], rtol=0, atol=1e-6)
    if name == 'half':
        # and a 1 % change of lambda moves the loss far beyond that tolerance
        moved, _, _ = _loss(case, lmbd=0.505)
        assert abs(float(moved - case['loss'])) > 20 * 1e-6 * float(case['loss'])


def test_loss_with_fractional_lambda_differs_only_by_the_official_float16_weights():
    case = next(c for c in LOSS['cases'] if c['name'] == 'coco')     # lambda 0.3, rho 0.02
    loss, gz, gm = _loss(case)
    # the official rounds 1 + 0.3 and the row sums of W to float16 (2^-11 relative each);
    # measured: loss 1.2e-5 relative, gradients 6e-6 absolute (largest 0.074)
    torch.testing.assert_close(loss, case['loss'], rtol=3e-5, atol=0)
    torch.testing.assert_close(gz, case['grad_z'], rtol=0, atol=2e-5)
    torch.testing.assert_close(gm, case['grad_z_mix'], rtol=0, atol=2e-5)


def test_every_part_of_the_golden_loss_matters():
    # each change moves the loss by > 100x the golden tolerance (1e-6 relative)
    case = next(c for c in LOSS['cases'] if c['name'] == 'half')
    i = case['inputs']
    base = float(case['loss'])
    variants = dict(
        no_task_specific=dict(lmbd=0.0),
        no_reweighting=dict(reweight=False),
        other_pool=dict(pool_ag=i['pool_ag'].roll(1, dims=1)),
        z_mix_is_z=dict(z_mix=i['z']),
    )
    for name, change in variants.items():
        args = dict(z=i['z'], z_mix=i['z_mix'], s=i['s'], f=i['f'], pool_ag=i['pool_ag'],
                    pool_sp=i['pool_sp'], lmbd=case['lmbd'], temperature=case['tau'],
                    rho=case['rho'], chunk_size=16)
        args.update(change)
        torch.manual_seed(case['seed'])
        value = float(hidden_positives_loss(**args))
        assert abs(value - base) > 1e-4 * base, name


def test_head_and_local_hidden_positives_equal_the_official_featurizer():
    g = FEATURIZER
    weights = _harness().head_weights()
    head = HPHead(384, 6)
    state = {}
    for name in ('cluster1', 'cluster2'):
        convs = [k for k in head.state_dict() if k.startswith(name + '.')]
        state.update(zip(convs, weights[name]))
        state.update(zip([f'ema.{k}' for k in convs], weights[f'ema_model{name[-1]}']))
    head.load_state_dict(state, strict=True)
    code = head(g['image_feat'])
    code_ema = head.forward_ema(g['image_feat'])
    torch.testing.assert_close(code, g['code'], rtol=0, atol=1e-5)
    torch.testing.assert_close(code_ema, g['code_ema'], rtol=0, atol=1e-5)
    weights_lhp = local_attention(g['attn'], 4, 4)
    code_lhp = local_hidden_positive_codes(code, weights_lhp)
    torch.testing.assert_close(code_lhp, g['code_3x3'], rtol=0, atol=1e-6)
    # the attention is far from uniform, and the propagation is not the identity
    a = torch.softmax(g['attn'][:, :, 1:, 1:].mean(1), -1)
    assert float(a.max()) > 5 / 16
    kept = (weights_lhp > 0).sum(-1).float()
    assert 1 < float(kept.mean()) < float(neighbourhood_mask(4, 4)[1].float().mean())
    assert (code_lhp - code / 9).abs().max() > 1e-2
    # the EMA update of the official forward
    head.update_ema(g['ema_m'])
    after = list(head.ema['cluster1'].parameters())
    for ours, theirs in zip(after, g['ema_after']['ema_model1']):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-7)
    tail = list(head.ema['cluster2'].parameters())[1:]
    for ours, theirs in zip(tail, g['ema_after']['ema_model2_tail']):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-7)


def test_neighbourhood_mask_equals_a_loop_over_offsets():
    h, w = 3, 5
    mask, counts = neighbourhood_mask(h, w)
    for i in range(h * w):
        for j in range(h * w):
            near = abs(i // w - j // w) <= 1 and abs(i % w - j % w) <= 1
            assert bool(mask[i, j]) == near
    assert counts.view(-1).tolist()[:6] == [4, 6, 6, 6, 4, 6]


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    with pytest.raises(SystemExit):
        _harness().main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err


def test_loss_bad_input():
    z = torch.nn.functional.normalize(torch.randn(20, 4), dim=1)
    with pytest.raises(ValueError, match='whole number of chunks of 16'):
        hidden_positives_loss(z, z, z, z, z[:3], z[:3], 0.0, 0.5, 1.0, chunk_size=16)


MODEL = load_checkpoint_file(osp.join(GOLDEN, 'model.pt'))


def _golden_segmentor():
    """HPSegmentor with the golden tiny ViT (weights from the harness' seeded generator over
    our module's names and shapes: a naming or shape difference changes every weight)."""
    from hp.models import HPSegmentor
    harness = _harness()
    model = HPSegmentor(dict(type='DinoViT', arch='vit_small_patch8_224.dino', depth=2),
                        num_classes=3, dim=MODEL['dim'], ema_m=MODEL['ema_m'])
    vit = model.backbone.vit
    vit.load_state_dict(harness.vit_weights({k: v.shape for k, v in vit.state_dict().items()},
                                            MODEL['vit_seed']), strict=True)
    weights = harness.head_weights(dim=MODEL['dim'], seed=MODEL['head_seed'])
    state = {}
    for name in ('cluster1', 'cluster2'):
        convs = [k for k in model.head.state_dict() if k.startswith(name + '.')]
        state.update({f'head.{k}': v for k, v in zip(convs, weights[name])})
        state.update({f'head.ema.{k}': v
                      for k, v in zip(convs, weights[f'ema_model{name[-1]}'])})
    w, b = harness.proj_weights(MODEL['dim'], MODEL['proj_seed'])
    state.update({'proj.weight': w, 'proj.bias': b})
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected
    assert all(k.startswith(('backbone.', 'linear_probe.', 'cluster_probe.')) for k in missing)
    return model.eval()


def test_whole_forward_from_the_image_equals_the_official_model():
    g = MODEL
    model = _golden_segmentor()
    with torch.no_grad():
        out = model.train_forward(g['img'])
        z = model.project(model.proj, out['code'])
        z_mix = model.project(model.proj, out['code_mix'])
        attn = model.backbone(g['img'], with_attn=True)['attn_logits']
    # two blocks of 384-wide sums and the position interpolation: measured max deviations
    # 4.4e-6 (attention logits up to 8.2), 2-4e-6 (features / codes up to 5.4), 1.2e-6 (z)
    torch.testing.assert_close(attn, g['attn'][:, :, 1:, 1:].mean(1), rtol=0, atol=2e-5)
    torch.testing.assert_close(out['feat'], g['image_feat'], rtol=0, atol=2e-5)
    torch.testing.assert_close(out['code'], g['code'], rtol=0, atol=2e-5)
    torch.testing.assert_close(out['code_ema'], g['code_ema'], rtol=0, atol=2e-5)
    torch.testing.assert_close(out['code_mix'], g['code_3x3'], rtol=0, atol=2e-5)
    torch.testing.assert_close(z, g['z'], rtol=0, atol=5e-6)
    torch.testing.assert_close(z_mix, g['z_mix'], rtol=0, atol=5e-6)
    for ours, theirs in zip(model.head.ema['cluster1'].parameters(),
                            g['ema_after']['ema_model1']):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-7)
    for ours, theirs in zip(list(model.head.ema['cluster2'].parameters())[1:],
                            g['ema_after']['ema_model2_tail']):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-7)
    # every part matters: the attention is far from uniform (row max 0.43 on average vs
    # 1/16), the propagation is not a plain 3 x 3 average, the EMA head differs from the head
    a = torch.softmax(g['attn'][:, :, 1:, 1:].mean(1), -1)
    assert float(a.max(-1).values.mean()) > 4 / 16
    assert (g['code_3x3'] - F.avg_pool2d(g['code'], 3, 1, 1)).abs().max() > 0.05
    assert (g['code_ema'] - g['code']).abs().max() > 0.05
