"""Golden tensors of the official PPAP loss (tests/golden/loss.pt, written by
tests/golden/make_golden.py from a checkout of github.com/hynnsk/PPAP; PROVENANCE.md), and the
properties of the proxy propagation that the paper states (Sec. 3)."""
import importlib.util
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from cvshared.checkpoint import load_checkpoint_file
from ppap.models.proxy_propagation import ppap_loss, propagate_proxy_anchors

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden')
LOSS = load_checkpoint_file(osp.join(GOLDEN, 'loss.pt'))


def _harness():
    spec = importlib.util.spec_from_file_location('ppap_make_golden',
                                                  osp.join(GOLDEN, 'make_golden.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(case, **change):
    feat, z0 = _harness().inputs(case['seed'])
    z = z0.clone().requires_grad_()
    args = dict(temperature=case['tau'], phi0=case['phi0'], psi0=case['psi0'],
                prop_iter=case['iters'], sigma_pos=case['sigma_pos'],
                sigma_amb=case['sigma_amb'], anchor_split=case['split'])
    args.update(change)
    torch.manual_seed(case['seed'])               # the official draws the anchors globally
    loss, pos, neg = ppap_loss(z, feat, **args)
    loss.backward()
    return loss.detach(), pos, neg, z.grad


@pytest.mark.parametrize('name', ['cocostuff16', 'cityscapes_base', 'potsdam'])
def test_loss_counts_and_gradient_equal_the_official(name):
    case = next(c for c in LOSS['cases'] if c['name'] == name)
    loss, pos, neg, grad = _run(case)
    # float32 sums over 1568 patches (measured: loss <= 1.9e-6 abs of 17.7, counts 3e-5 of
    # 354 (the official sums float16 masks), gradients 7.5e-8 (largest 0.13))
    torch.testing.assert_close(loss, case['loss'], rtol=1e-6, atol=0)
    torch.testing.assert_close(pos, case['pos_num'], rtol=1e-6, atol=0)
    torch.testing.assert_close(neg, case['neg_num'], rtol=1e-6, atol=0)
    torch.testing.assert_close(grad, case['grad_z'], rtol=0, atol=1e-6)


def test_every_part_of_the_propagation_matters():
    case = next(c for c in LOSS['cases'] if c['name'] == 'cityscapes_base')
    base = float(case['loss'])
    for name, change in dict(one_iteration_less=dict(prop_iter=2),
                             other_sigma_amb=dict(sigma_amb=3),
                             other_sigma_pos=dict(sigma_pos=4),
                             no_ambiguous_zone=dict(psi0=2.0),        # every other patch negative
                             other_phi0=dict(phi0=0.62)).items():
        value = float(_run(case, **change)[0])
        assert abs(value - base) > 1e-4 * base, name


def _clusters(seed=0, n=300, d=16):
    g = torch.Generator().manual_seed(seed)
    centres = F.normalize(torch.randn(3, d, generator=g), dim=1)
    assign = torch.arange(n) % 3
    feats = F.normalize(centres[assign] + 0.2 * torch.randn(n, d, generator=g), dim=1)
    return feats, assign, centres


def test_proxy_moves_toward_the_dense_positives_and_the_boundaries_widen():
    feats, assign, centres = _clusters()
    anchors = feats[:30]
    pos, neg, proxy, phi, psi = propagate_proxy_anchors(anchors, feats, 0.55, 0.15, 3, 3, 4)
    mean = F.normalize(torch.stack([feats[assign == k].mean(0) for k in range(3)]), dim=1)
    own = mean[assign[:30]]
    before = (anchors * own).sum(1)
    after = (proxy * own).sum(1)
    assert (after > before).float().mean() > 0.9 and float((after - before).mean()) > 0.02
    # Phi only falls, Psi only rises (1 - cos >= 0), from the float16-rounded start values
    assert (phi <= torch.tensor(0.55, dtype=torch.float16).float()).all()
    assert (psi >= torch.tensor(0.15, dtype=torch.float16).float()).all()
    assert float((0.55 - phi).mean()) > 1e-3
    # the propagation finds the anchor's cluster: recall 0.72 -> 0.99 against the anchor's own
    # threshold (measured), precision stays high (0.98 -> 0.89), negatives are other clusters
    same = assign[:30, None] == assign[None, :]
    initial = (anchors @ feats.t()) > 0.55

    def recall(p):
        return float((p & same).sum() / same.sum())

    assert recall(pos) > recall(initial) + 0.2
    assert float((pos & same).sum() / pos.sum()) > 0.85
    assert float((neg & ~same).sum() / neg.sum()) > 0.95
    # and the ambiguous zone is neither
    sim = proxy @ feats.t()
    zone = (sim >= psi[:, None]) & (sim <= phi[:, None])
    assert zone.any() and not (zone & (pos | neg)).any()


def test_ambiguous_patches_leave_the_denominator():
    # with the zone spanning everything but the positives, the loss is SupCon over P only;
    # widening the negatives to all patches (psi0 > 1) adds terms and raises the loss
    feats, assign, _ = _clusters(1, n=64)
    z = F.normalize(feats + 0.1 * torch.randn(feats.shape, generator=torch.Generator()
                                              .manual_seed(3)), dim=1)
    torch.manual_seed(0)
    narrow, _, _ = ppap_loss(z, feats, 0.5, 0.55, -2.0, 1, 3, 4, 2, chunk_size=32)
    torch.manual_seed(0)
    wide, _, _ = ppap_loss(z, feats, 0.5, 0.55, 2.0, 1, 3, 4, 2, chunk_size=32)
    assert float(wide) > float(narrow) + 0.1


def test_bad_input():
    z = F.normalize(torch.randn(40, 4), dim=1)
    with pytest.raises(ValueError, match='whole number of chunks of 16'):
        ppap_loss(z, z, 0.5, 0.5, 0.1, 1, 3, 3, 4, chunk_size=16)
    with pytest.raises(ValueError, match='feat has 39 patches'):
        ppap_loss(z, z[:39], 0.5, 0.5, 0.1, 1, 3, 3, 4, chunk_size=20)


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    with pytest.raises(SystemExit):
        _harness().main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err


# -- the whole forward: raw image -> official transform -> tiny DINO ViT -> decoder -> z -----
FORWARD = load_checkpoint_file(osp.join(GOLDEN, 'forward.pt'))
MEAN = [123.675, 116.28, 103.53]          # the official ImageNet normalisation, 0..255 scale
STD = [58.395, 57.12, 57.375]


def golden_model():
    """Our segmentor with the golden's tiny ViT, decoder, projection and probes."""
    from ppap.models import PPAPSegmentor
    h = _harness()
    t = FORWARD['tiny']
    case = next(c for c in LOSS['cases'] if c['name'] == FORWARD['case'])
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = _build(PPAPSegmentor, case, t)
    model.backbone.vit.load_state_dict(h.tiny_weights(), strict=True)
    heads = h.head_weights()
    state = {k: heads[k] for k in heads}
    state.update({'linear_probe.' + k: v for k, v in FORWARD['linear_state'].items()})
    state.update({'cluster_probe.' + k: v for k, v in FORWARD['cluster_state'].items()})
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.startswith('backbone.') for k in missing)
    return model.eval()


def _build(cls, case, t):
    return cls(
        backbone=dict(type='DinoViT', arch='vit_small_patch8_224', img_size=t['img_size'],
                      embed_dim=t['embed_dim'], depth=t['depth'], num_heads=t['num_heads']),
        num_classes=3,
        loss_cfg=dict(temperature=case['tau'], phi0=case['phi0'], psi0=case['psi0'],
                      prop_iter=case['iters'], sigma_pos=case['sigma_pos'],
                      sigma_amb=case['sigma_amb'], anchor_split=case['split']),
        data_preprocessor=dict(type='SegDataPreProcessor', mean=MEAN, std=STD,
                               bgr_to_rgb=False))


def golden_batch(tmp_path):
    """The golden's raw images, written as PNG files and read through our pipeline (the
    official ``get_transform(224, False, 'center')``) and data preprocessor."""
    from cvshared.datasets.useg import useg_eval_pipeline
    from mmengine.dataset import Compose
    from mmengine.registry import DefaultScope
    from PIL import Image
    paths = []
    for i, img in enumerate(_harness().raw_images()):
        paths.append(str(tmp_path / f'raw_{i}.png'))
        Image.fromarray(img).save(paths[-1])
    with DefaultScope.overwrite_default_scope('mmseg'):
        pipe = Compose(useg_eval_pipeline(224, with_label=False))
        items = [pipe(dict(img_path=p, seg_map_path=None, img_id=str(i), seg_fields=[],
                           label_mapping=None)) for i, p in enumerate(paths)]
    return dict(inputs=[x['inputs'] for x in items], data_samples=[x['data_samples']
                                                                   for x in items])


def test_whole_forward_from_the_raw_image_equals_the_official(tmp_path):
    model = golden_model()
    data = model.data_preprocessor(golden_batch(tmp_path), False)
    img = data['inputs']
    assert img.shape == (2, 3, 224, 224)
    with torch.no_grad():
        code, z, crit = model.features(img)
    g = FORWARD
    # float32 through 3 blocks of a 24-wide ViT (measured: crit_feat 5.5e-6, code 6.9e-6 of
    # values up to 4; z 9.2e-7)
    torch.testing.assert_close(crit, g['crit_feat'], rtol=1e-5, atol=2e-5)
    torch.testing.assert_close(code, g['code'], rtol=1e-5, atol=2e-5)
    torch.testing.assert_close(z[::8], g['z_every_8th'], rtol=1e-5, atol=2e-6)
    # the probes on that code (the shared probes, here on the official's inputs)
    torch.testing.assert_close(model.linear_probe(code), g['linear'], rtol=1e-5, atol=2e-5)
    loss_c, probs = model.cluster_probe(code, None)
    torch.testing.assert_close(loss_c, g['cluster_loss'], rtol=1e-5, atol=1e-6)
    assert torch.equal(probs, g['cluster_probs'])
    # the parts matter: the attention is far from uniform (1 / 785), the decoder is not the
    # last block (code != crit_feat), the projection is not the identity
    assert float(g['attn_row_max'].mean()) > 100 / 785
    assert (g['code'] - g['crit_feat']).abs().max() > 0.5
    assert (F.normalize(code, dim=1).permute(0, 2, 3, 1).reshape(-1, 24)[::8]
            - g['z_every_8th']).abs().max() > 0.1


def test_training_loss_and_gradients_equal_the_official(tmp_path):
    """The cocostuff16 loss through the whole model (eval mode: no dropout, as the golden),
    anchors from the global generator seeded 0 as the harness; gradients into the decoder and
    the projection."""
    model = golden_model()
    data = model.data_preprocessor(golden_batch(tmp_path), False)
    torch.manual_seed(0)
    losses, _ = model.head_loss(data['inputs'], None)
    losses['loss_supcon'].backward()
    g = FORWARD
    torch.testing.assert_close(losses['loss_supcon'].detach(), g['loss'], rtol=1e-5, atol=0)
    torch.testing.assert_close(losses['pos_num'], g['pos_num'], rtol=1e-5, atol=0)
    torch.testing.assert_close(losses['neg_num'], g['neg_num'], rtol=1e-5, atol=0)
    params = dict(model.named_parameters())
    for name, grad in g['grads'].items():
        ours = params[name].grad
        scale = float(grad.abs().max())
        assert scale > 1e-3, name
        # measured: <= 2.2e-6 of the largest entry (the loss itself is equal to the bit)
        torch.testing.assert_close(ours, grad, rtol=0, atol=2e-5 * scale, msg=name)
