"""adcam's components: the Conformer with recorded attention (against an unmodified mmpretrain
Conformer), the coupling op (brute-force loops, the TransCAM oracle, the paper's stated
properties), gradients, the CAM net's modes, the pseudo labels, the converter, the drawing,
the data errors."""
import math

import numpy as np
import pytest
import torch
from adcam.models import (
    aggregate_attention,
    common_neighbour_similarity,
    couple,
    diffuse,
    refine_attention,
    transcam_coupling,
)

TINY = dict(embed_dims=48, depths=3, num_heads=3, channel_ratio=0.25)


def _attention(b=2, n=12, seed=0, sharp=3.0):
    """Non-uniform row-stochastic attention (softmax of scaled random logits)."""
    g = torch.Generator().manual_seed(seed)
    return torch.softmax(sharp * torch.randn(b, n, n, generator=g, dtype=torch.float64), -1)


def _cam(b=2, c=3, n=12, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(b, c, n, generator=g, dtype=torch.float64)


def _entropy(a):
    p = a / a.sum(-1, keepdim=True)
    return float(-(p * p.clamp_min(1e-12).log()).sum(-1).mean())


# -- backbone ------------------------------------------------------------------------------------

def test_backbone_equals_mmpretrain_conformer_and_records_softmax_attention():
    from adcam.models import AdcamConformer
    from mmpretrain.models.backbones import Conformer
    torch.manual_seed(0)
    ours = AdcamConformer(arch=TINY, last_fusion_stride=2)   # the original stride
    ours.eval()
    ours.tie_query_key(0.7)
    ref = Conformer(arch=TINY)
    ref.eval()
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(2, 3, 96, 128)
    with torch.no_grad():
        out = ours(x)
        pooled, cls = ref(x)[-1]
    torch.testing.assert_close(out['conv'].mean((2, 3)), pooled, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out['tokens'][:, 0], cls, atol=1e-5, rtol=1e-5)
    assert len(out['attns']) == 3
    n = 1 + 6 * 8
    for a in out['attns']:
        assert a.shape == (2, 3, n, n)
        torch.testing.assert_close(a.sum(-1), torch.ones(2, 3, n), atol=1e-5, rtol=0)
    assert _entropy(out['attns'][0].mean(1)) < 0.8 * math.log(n)


def test_last_fusion_stride_one_puts_cam_on_the_token_grid():
    from adcam.models import AdcamConformer
    m = AdcamConformer(arch=TINY)
    m.eval()
    with torch.no_grad():
        out = m(torch.randn(1, 3, 64, 96))
    assert out['conv'].shape[-2:] == (4, 6)
    assert out['tokens'].shape[1] == 1 + 24


def test_tied_init_makes_attention_non_uniform_and_default_is_uniform():
    from adcam.models import AdcamConformer
    torch.manual_seed(0)
    x = torch.randn(1, 3, 128, 128)
    plain = AdcamConformer(arch=TINY)
    plain.eval()
    plain.apply(plain._init_weights)           # mmpretrain's init: std 0.02 projections
    tied = AdcamConformer(arch=TINY)
    tied.eval()
    tied.apply(tied._init_weights)
    tied.tie_query_key(0.5)
    with torch.no_grad():
        e_plain = _entropy(plain(x)['attns'][0].mean(1)[:, 1:, 1:])
        e_tied = _entropy(tied(x)['attns'][0].mean(1)[:, 1:, 1:])
    assert e_plain > math.log(64) - 0.01
    assert e_tied < math.log(64) - 0.5


# -- coupling: references -------------------------------------------------------------------------

def test_aggregate_attention_brute_force():
    g = torch.Generator().manual_seed(0)
    attns = [torch.rand(2, 3, 5, 5, generator=g) for _ in range(4)]
    out = aggregate_attention(attns)
    ref = torch.zeros(2, 4, 4)
    for b in range(2):
        for i in range(4):
            for j in range(4):
                ref[b, i, j] = sum(sum(a[b, h, i + 1, j + 1] for h in range(3)) / 3
                                   for a in attns)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(aggregate_attention(attns, layers=[0, 2]),
                               aggregate_attention([attns[0], attns[2]]))
    with pytest.raises(ValueError, match='out of range'):
        aggregate_attention(attns, layers=[4])


def test_transcam_coupling_brute_force_and_official_einsum():
    a, m = _attention(), _cam()
    out = transcam_coupling(m, a)
    ref = torch.zeros_like(m)
    for b in range(2):
        for c in range(3):
            for i in range(12):
                ref[b, c, i] = sum(a[b, i, j] * m[b, c, j] for j in range(12))
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(out, torch.einsum('nhw,ncw->nch', a, m))   # official form


@pytest.mark.parametrize('kind', ['jaccard', 'cosine', 'dot'])
def test_common_neighbour_similarity_brute_force(kind):
    a = _attention(b=1, n=7)[0] * torch.rand(7, 1, dtype=torch.float64)  # rows not normalised
    s = common_neighbour_similarity(a[None], kind, chunk_elements=50)[0]  # several chunks
    p = a / a.sum(-1, keepdim=True)
    for i in range(7):
        for j in range(7):
            if kind == 'jaccard':
                ref = sum(min(p[i, k], p[j, k]) for k in range(7)) / \
                    sum(max(p[i, k], p[j, k]) for k in range(7))
            elif kind == 'cosine':
                ref = sum(a[i, k] * a[j, k] for k in range(7)) / (a[i].norm() * a[j].norm())
            else:
                ref = sum(p[i, k] * p[j, k] for k in range(7))
            assert abs(float(s[i, j]) - float(ref)) < 1e-12, (kind, i, j)


def test_refinement_brute_force():
    a = _attention(b=1, n=6)
    out = refine_attention(a, 'jaccard')[0]
    p = a[0] / a[0].sum(-1, keepdim=True)
    for i in range(6):
        for j in range(6):
            jac = sum(min(p[i, k], p[j, k]) for k in range(6)) / \
                sum(max(p[i, k], p[j, k]) for k in range(6))
            assert abs(float(out[i, j]) - float(a[0, i, j] * jac)) < 1e-12


@pytest.mark.parametrize('mode', ['gather', 'scatter'])
def test_diffusion_brute_force_two_steps(mode):
    a, m = refine_attention(_attention()), _cam()
    out = diffuse(m, a, steps=2, mode=mode)
    p = a / a.sum(-1, keepdim=True)
    ref = m.clone()
    for _ in range(2):
        nxt = torch.zeros_like(ref)
        for b in range(2):
            for c in range(3):
                for i in range(12):
                    nxt[b, c, i] = sum((p[b, i, j] if mode == 'gather' else p[b, j, i])
                                       * ref[b, c, j] for j in range(12))
        ref = nxt
    torch.testing.assert_close(out, ref)


def test_gather_diffusion_is_cvshared_random_walk():
    from cvshared.ops.affinity import random_walk_dense
    a, m = refine_attention(_attention()), _cam()
    out = diffuse(m, a, steps=1, mode='gather')
    for b in range(2):
        torch.testing.assert_close(out[b], random_walk_dense(m[b], a[b].T, beta=1, logt=0))


def test_oracle_without_refinement_one_step_no_normalisation_is_transcam():
    a = _attention(sharp=4.0) * 3.0              # summed over 3 layers: rows sum to 3
    assert _entropy(a) < 0.7 * math.log(12)
    m = torch.randn(2, 3, 12, dtype=torch.float64)
    out = couple(m, a, 'adcam', refine=False, steps=1, normalize=False, mode='gather')
    torch.testing.assert_close(out, transcam_coupling(m, a))
    torch.testing.assert_close(couple(m, a, 'transcam'), transcam_coupling(m, a))
    # and the default AD-CAM differs from it
    assert (couple(m, a, 'adcam') - transcam_coupling(m, a)).abs().max() > 0.1


# -- coupling: the stated properties ---------------------------------------------------------------

def _block_attention(n=12, obj=(0, 1, 2, 3, 4), seed=0):
    """Attention with no edge between the object's tokens and the rest (non-uniform inside)."""
    a = _attention(b=1, n=n, seed=seed)[0]
    inside = torch.zeros(n, dtype=torch.bool)
    inside[list(obj)] = True
    mask = inside[:, None] == inside[None, :]
    a = a * mask
    return (a / a.sum(-1, keepdim=True))[None], inside


@pytest.mark.parametrize('mode', ['gather', 'scatter'])
@pytest.mark.parametrize('refine', [True, False])
def test_diffusion_of_object_cam_stays_in_attention_support(mode, refine):
    a, inside = _block_attention()
    m = _cam(b=1) * inside.double()           # zero outside the object
    out = couple(m, a, 'adcam', refine=refine, steps=3, mode=mode)
    assert out[..., ~inside].abs().max() == 0
    assert out[..., inside].min() > 0           # and it did spread over the object


def test_support_never_grows_beyond_reachable_set():
    """General sparse attention: after t steps the CAM lives on the tokens that reach (gather)
    the CAM's support within t attention edges (breadth-first search as the reference)."""
    g = torch.Generator().manual_seed(3)
    n = 15
    a = torch.rand(1, n, n, generator=g, dtype=torch.float64) * \
        (torch.rand(n, n, generator=g) < 0.15)
    a = a + torch.eye(n, dtype=torch.float64) * 0.5
    m = torch.zeros(1, 1, n, dtype=torch.float64)
    m[0, 0, 0] = 1.0
    for t in (1, 2, 3):
        out = couple(m, a, 'adcam', steps=t)
        reach = {0}
        for _ in range(t):
            reach |= {i for i in range(n) for j in reach if a[0, i, j] > 0}
        got = {i for i in range(n) if out[0, 0, i] > 0}
        assert got <= reach, (t, got - reach)


def test_refinement_removes_edges_and_reduces_pairs_with_different_neighbourhoods():
    a = _attention(b=1, n=10)
    a = a * (torch.rand(10, 10, generator=torch.Generator().manual_seed(5)) < 0.5)
    r = refine_attention(a)
    assert ((a == 0) <= (r == 0)).all()                    # no edge added
    assert (r <= a + 1e-15).all()                          # S <= 1: only reduced
    # i = 0 and j = 1 attend to each other a little, otherwise to disjoint neighbourhoods;
    # i = 0 and j = 2 attend to the same tokens: the first pair loses more of its attention
    b = torch.zeros(1, 6, 6, dtype=torch.float64)
    b[0, 0] = torch.tensor([0.4, 0.1, 0.05, 0.45, 0.0, 0.0])
    b[0, 1] = torch.tensor([0.05, 0.45, 0.0, 0.0, 0.5, 0.0])
    b[0, 2] = torch.tensor([0.1, 0.0, 0.4, 0.5, 0.0, 0.0])
    for k in (3, 4, 5):
        b[0, k, k] = 1.0
    rb = refine_attention(b)
    assert rb[0, 0, 1] / b[0, 0, 1] < 0.25 * (rb[0, 0, 2] / b[0, 0, 2])


def test_scatter_with_row_stochastic_attention_keeps_total_mass():
    a, m = _attention(), _cam()
    for steps in (1, 4):
        out = couple(m, a, 'adcam', refine=False, mode='scatter', steps=steps,
                     normalize=False)                      # a itself is row-stochastic
        torch.testing.assert_close(out.sum(-1), m.sum(-1))
        out = couple(m, a, 'adcam', mode='scatter', steps=steps)   # refined, renormalised
        torch.testing.assert_close(out.sum(-1), m.sum(-1))
    # gather does not keep the mass with a non-symmetric attention, it keeps constants
    g = couple(m, a, 'adcam')
    assert (g.sum(-1) - m.sum(-1)).abs().max() > 1e-3
    ones = torch.ones_like(m)
    torch.testing.assert_close(couple(ones, a, 'adcam'), ones)
    assert (g.amax(-1) <= m.amax(-1) + 1e-12).all()       # a weighted mean


def test_symmetric_attention_stays_symmetric_and_modes_agree():
    a = _attention()
    s = a + a.transpose(1, 2)
    r = refine_attention(s)
    torch.testing.assert_close(r, r.transpose(1, 2))
    m = _cam()
    torch.testing.assert_close(diffuse(m, r, normalize=False, mode='gather'),
                               diffuse(m, r, normalize=False, mode='scatter'))
    sym = couple(m, a, 'adcam', symmetric=True)
    torch.testing.assert_close(sym, couple(m, s, 'adcam'))


@pytest.mark.parametrize('method', ['cam', 'transcam', 'adcam'])
def test_permutation_equivariance_and_mirror_symmetry(method):
    a, m = _attention(), _cam()
    perm = torch.randperm(12, generator=torch.Generator().manual_seed(2))
    out = couple(m, a, method)
    outp = couple(m[..., perm], a[:, perm][:, :, perm], method)
    torch.testing.assert_close(outp, out[..., perm])
    # a mirror-symmetric CAM with a mirror-invariant attention on a 3 x 4 grid stays symmetric
    flip = torch.arange(12).view(3, 4).flip(-1).flatten()
    a_sym = 0.5 * (a + a[:, flip][:, :, flip])
    m_sym = 0.5 * (m + m[..., flip])
    res = couple(m_sym, a_sym, method)
    torch.testing.assert_close(res, res[..., flip])


def test_gradients_of_the_coupling():
    a = _attention(b=1, n=6).requires_grad_()
    m = _cam(b=1, c=2, n=6).requires_grad_()
    for kind in ('jaccard', 'cosine'):
        assert torch.autograd.gradcheck(
            lambda mm, aa, k=kind: couple(mm, aa, 'adcam', similarity=k, steps=2), (m, a))
    assert torch.autograd.gradcheck(lambda mm, aa: couple(mm, aa, 'transcam'), (m, a))


def test_coupling_errors():
    with pytest.raises(ValueError, match='method'):
        couple(_cam(), _attention(), 'psa')
    with pytest.raises(ValueError, match='does not match'):
        couple(_cam(n=10), _attention(), 'adcam')
    with pytest.raises(ValueError, match='similarity'):
        refine_attention(_attention(), 'l2')
    with pytest.raises(ValueError, match='steps'):
        diffuse(_cam(), _attention(), steps=0)


# -- CAM net ---------------------------------------------------------------------------------------

def _net(**kw):
    from adcam.models import AdcamCAMNet
    torch.manual_seed(0)
    net = AdcamCAMNet(backbone=dict(type='AdcamConformer', arch=TINY), **kw)
    net.backbone.tie_query_key(0.5)
    return net


def test_cam_net_modes_shapes_and_gradients():
    net = _net()
    x = torch.rand(2, 3, 64, 64) * 255
    labels = torch.tensor([[1.0] + [0.0] * 19, [0.0, 1.0] + [0.0] * 18])
    assert net(x, mode='tensor').shape == (2, 20)
    loss = net(x, [{'img_labels': v} for v in labels], mode='loss')['loss']
    loss.backward()
    for name in ('conv_cls_head.weight', 'trans_cls_head.weight',
                 'backbone.trans_1.attn.qkv.weight', 'backbone.conv1.weight'):
        g = dict(net.named_parameters())[name].grad
        assert g is not None and g.abs().sum() > 0, name
    net.eval()
    with torch.no_grad():
        for method in ('cam', 'transcam', 'adcam'):
            assert net.forward_cam(x, method).shape == (2, 20, 4, 4)
        gt = torch.zeros(64, 64, dtype=torch.long)
        gt[10:30, 10:30] = 1
        out = net(x[:1], [{'img_labels': labels[0], 'gt_seg_map': gt, 'img_path': 'a.jpg'}],
                  mode='predict')[0]
    assert out['pred'].shape == (64, 64) and set(np.unique(out['pred'])) <= {0, 1}
    assert set(out['cams']) == {'cam', 'transcam', 'adcam'}
    assert out['cams']['cam'].shape == (1, 64, 64)
    with pytest.raises(ValueError, match='mode'):
        net(x, mode='bad')


def test_cam_label():
    from cvshared.wsss.cam import cam_label
    cams = torch.tensor([[[0.9, 0.1], [0.5, 0.2]], [[0.2, 0.8], [0.6, 0.1]]])
    lab = cam_label(torch.tensor([3, 14]), cams, bg=0.4)
    assert lab.tolist() == [[4, 15], [15, 0]]


# -- converter, data, drawing ----------------------------------------------------------------------

def test_converter_round_trip_and_names():
    from adcam.convert import convert, to_official
    net = _net()
    ours = net.state_dict()
    official = to_official(ours)
    assert 'trans_1.mlp.fc1.weight' in official and 'trans_1.norm1.weight' in official
    assert 'conv_trans_2.trans_block.mlp.fc2.bias' in official
    assert 'trans_norm.weight' in official and 'conv_cls_head.weight' in official
    back = convert({'module.' + k: v for k, v in official.items()})
    assert back.keys() == ours.keys()
    with pytest.raises(KeyError, match='no official counterpart'):
        to_official({'head.fc.weight': torch.zeros(1)})


def test_synthetic_data_and_missing_image_error(tmp_path):
    from adcam.datasets import make_synthetic
    from adcam.pipeline import read_rgb
    from cvshared.datasets.voc import VOCWSSSDataset
    root = make_synthetic(str(tmp_path / 'voc'), num_train=2, num_val=1, num_empty=1)
    ds = VOCWSSSDataset(data_root=root, ann_file='ImageSets/Segmentation/train_cam.txt',
                        serialize_data=False)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert len(infos) == 3 and infos[-1]['img_labels'].sum() == 0
    assert read_rgb(infos[0]['img_path']).shape == (128, 128, 3)
    with pytest.raises(FileNotFoundError, match='JPEGImages'):
        read_rgb(str(tmp_path / 'voc' / 'JPEGImages' / 'missing.jpg'))


def test_draw_sample_panels():
    from adcam.hooks.visualization import draw_sample
    img = np.zeros((32, 40, 3), np.uint8)
    cams = {m: torch.rand(1, 32, 40) for m in ('cam', 'transcam', 'adcam')}
    label = np.zeros((32, 40), np.uint8)
    label[5:15, 5:15] = 1
    out = draw_sample(img, cams, {m: label for m in cams}, gt=label)
    assert out.shape[1:] == (40 * 4, 3) and out.shape[0] > 2 * 32     # 2 rows of 4 panels
    assert (out[:, 40:] != 0).any()                  # the heat maps are drawn


def test_bad_input_errors_name_the_file(tmp_path):
    from adcam.datasets import AdcamPackInputs
    from adcam.paper import check_data
    with pytest.raises(KeyError, match=r'x\.jpg: no image-level label'):
        AdcamPackInputs().transform(dict(img=np.zeros((8, 8, 3), np.uint8), img_path='x.jpg'))
    with pytest.raises(ValueError, match=r'x\.jpg: expected an H x W x 3'):
        AdcamPackInputs().transform(dict(img=np.zeros((8, 8), np.uint8), img_path='x.jpg',
                                         img_labels=np.zeros(20)))
    with pytest.raises(FileNotFoundError, match='JPEGImages'):
        check_data(str(tmp_path), 'voc12_pseudo')
