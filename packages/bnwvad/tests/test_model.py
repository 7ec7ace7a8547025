"""BN-WVAD pieces: the card's CPU checks (a) DFM vs an eval BatchNorm1d, (b) MPP vs
nn.TripletMarginWithDistanceLoss, (c) the selection vs a NumPy brute force; the kernel's
normalisation quirk; shapes and gradients; the normal-first sampler; bad input through the
config's data set; the converter; the inferencer, the hook and its drawing."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTH = osp.join(REPO, 'configs', 'bnwvad', 'bnwvad_i3d_20-iter_synthetic.py')


def _small(in_channels=16):
    from bnwvad.models import BNWVAD
    return BNWVAD(encoder=dict(type='BnwvadTemporalEncoder', in_channels=in_channels, dim=32,
                               heads=2, head_dim=8, mlp_dim=32),
                  head=dict(type='BnwvadNormalHead', in_channels=32, ratios=(2, 4)))


def test_dfm_is_the_norm_of_an_eval_batchnorm_output():           # card check (a)
    from bnwvad.models import dfm
    torch.manual_seed(0)
    bn = nn.BatchNorm1d(7, affine=False, eps=0.0)
    bn.running_mean.normal_()
    bn.running_var.uniform_(0.5, 2.0)
    h = torch.randn(3, 7, 11)
    expected = bn.eval()(h).norm(dim=1)
    torch.testing.assert_close(dfm(h, bn.running_mean, bn.running_var), expected)
    bn.eps = 1e-5   # with PyTorch's default eps: equal up to the eps, as the card says
    assert (dfm(h, bn.running_mean, bn.running_var) - bn(h).norm(dim=1)).abs().max() < 1e-3


def test_mpp_equals_torch_triplet_margin_with_distance_loss():     # card check (b)
    from bnwvad.models import mpp_loss
    torch.manual_seed(1)
    mean, var = torch.randn(5), torch.rand(5) + 0.5
    nor, abn = torch.randn(9, 5) * 2, torch.randn(9, 5) * 2

    def maha(x, y):
        return torch.sqrt(((x - y) ** 2 / var).sum(-1))
    ref = nn.TripletMarginWithDistanceLoss(distance_function=maha, margin=1.0)(
        mean[None].expand(9, -1), nor, abn)
    ours = mpp_loss(mean, var, nor, abn)
    torch.testing.assert_close(ours, ref)
    assert 0 < ref < 1 + (maha(mean, nor) - maha(mean, abn)).clamp(min=0).max()  # some active


def _brute_selection(feat, dist, sr, br):
    b, c, t = feat.shape
    h = b // 2
    picked = set()
    for v in range(h):
        order = sorted(range(t), key=lambda i: -dist[h + v, i])
        picked |= {(v, i) for i in order[:int(t * sr)]}
    flat = sorted(((v, i) for v in range(h) for i in range(t)), key=lambda p: -dist[h + p[0], p[1]])
    picked |= set(flat[:int(h * t * br)])
    picked = sorted(picked)
    abn = np.stack([feat[h + v, :, i] for v, i in picked])
    k = len(picked) // h + 1
    ranks = [sorted(range(t), key=lambda i: -dist[v, i])[:k] for v in range(h)]
    nor = np.stack([feat[v, :, ranks[v][r]] for r in range(k) for v in range(h)])[:len(picked)]
    return nor, abn, picked


@pytest.mark.parametrize('seed,b,t', [(0, 4, 10), (1, 6, 25), (2, 8, 7)])
def test_selection_equals_a_numpy_brute_force(seed, b, t):          # card check (c)
    from bnwvad.models import select_samples
    rng = np.random.default_rng(seed)
    feat = rng.standard_normal((b, 3, t)).astype(np.float32)
    dist = rng.permutation(b * t).reshape(b, t).astype(np.float32)   # distinct: no ties
    nor, abn, mask = select_samples(torch.from_numpy(feat), torch.from_numpy(dist))
    ref_nor, ref_abn, picked = _brute_selection(feat, dist, 0.2, 0.4)
    np.testing.assert_array_equal(abn.numpy(), ref_abn)
    np.testing.assert_array_equal(nor.numpy(), ref_nor)
    assert sorted(map(tuple, np.argwhere(mask.numpy()).tolist())) == picked
    assert len(picked) >= int(b // 2 * t * 0.4)


def test_selection_union_adds_the_per_video_picks():
    from bnwvad.models import select_samples
    dist = torch.rand(4, 10)
    dist[2] += 10          # abnormal video 0 takes all 8 batch-level picks
    _, abn, mask = select_samples(torch.randn(4, 3, 10), dist)
    assert mask[0].sum() == 8 and mask[1].sum() == 2 and abn.shape == (10, 3)


def test_distance_kernel_normalises_columns_as_officially():
    from bnwvad.models import distance_kernel
    g = distance_kernel(6).double()
    raw = torch.exp(-(torch.arange(6.)[None] - torch.arange(6.)[:, None]).abs() / np.e).double()
    torch.testing.assert_close(g, raw / raw.sum(1)[None, :])
    torch.testing.assert_close(g.sum(0), torch.ones(6, dtype=torch.float64))
    assert (g.sum(1) - 1).abs().max() > 0.05       # rows do not sum to 1 (the quirk)


def test_cached_distance_kernel_is_reused_but_never_an_inference_tensor():
    from bnwvad.models.encoder import cached_distance_kernel, distance_kernel
    g = cached_distance_kernel(7, torch.device('cpu'), torch.float32)
    assert torch.equal(g, distance_kernel(7))
    assert cached_distance_kernel(7, torch.device('cpu'), torch.float32) is g
    assert cached_distance_kernel(7, torch.device('cpu'), torch.float64).dtype == torch.float64
    with torch.inference_mode():
        assert cached_distance_kernel(5, torch.device('cpu'), torch.float32).is_inference()
    # a model first run under inference_mode still trains afterwards (nothing cached there)
    model = _small()
    with torch.inference_mode():
        model.eval()(torch.randn(1, 1, 5, 16), mode='tensor')
    model.train()
    losses = model(torch.randn(2, 1, 5, 16), [dict(gt_label=0), dict(gt_label=1)], mode='loss')
    sum(losses.values()).backward()
    assert model.encoder.layers[0].attn.qkvt.weight.grad.abs().sum() > 0


def test_one_crop_shortcut_equals_the_crop_mean_exactly():
    """With one crop ``_crop_mean`` returns its input; the mean over a size-1 axis is the
    same value bit for bit, so the training forward (official: one crop) is unchanged."""
    from bnwvad.models.bnwvad import _crop_mean
    y = torch.randn(6, 3, 10)
    assert _crop_mean(y, 6, 1) is y
    assert torch.equal(y.view(6, 1, 3, 10).mean(1), y)
    torch.testing.assert_close(_crop_mean(y, 2, 3), y.view(2, 3, 3, 10).mean(1), atol=0,
                               rtol=0)


def test_config_fused_adam_follows_the_official_plain_adam():
    """The configs' ``fused=True`` Adam (one kernel, 5x faster on CPU) makes the official
    for-loop ``torch.optim.Adam`` update: 5 steps (clip 1.0 + Adam) of a small model on
    the same gradients agree to 1e-6 while moving the weights by 5e-4 (measured: 0 apart
    here; max 4e-9 on the 5.8 M official-size parameters after 23 unclipped steps)."""
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(SYNTH.replace('20-iter_synthetic', '1k-iter_xd-violence'))
    assert cfg.optim_wrapper.optimizer.fused is True
    ours, plain = _small(), _small()
    plain.load_state_dict(ours.state_dict())
    start = [p.detach().clone() for p in ours.parameters()]
    wrapper = build_optim_wrapper(ours, cfg.optim_wrapper)
    reference = torch.optim.Adam(plain.parameters(), lr=1e-4, betas=(0.9, 0.999),
                                 weight_decay=5e-5)
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        for p, q in zip(ours.parameters(), plain.parameters()):
            p.grad = torch.randn(p.shape, generator=gen)
            q.grad = p.grad.clone()
        wrapper.step()                                    # clip 1.0 + fused Adam
        torch.nn.utils.clip_grad_norm_(plain.parameters(), 1.0)   # the official train.py
        reference.step()
    moved = max((p - q).abs().max().item() for p, q in zip(ours.parameters(), start))
    assert moved > 1e-4                                   # the steps did move the weights
    for p, q in zip(ours.parameters(), plain.parameters()):
        torch.testing.assert_close(p, q, atol=1e-6, rtol=0)


def test_shapes_gradients_and_inference_score():
    model = _small()
    x = torch.randn(4, 1, 12, 16, requires_grad=True)
    losses = model(x, [dict(gt_label=0)] * 2 + [dict(gt_label=1)] * 2, mode='loss')
    assert set(losses) == {'loss_normal', 'loss_mpp'}
    sum(losses.values()).backward()
    assert x.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.parameters())
    model.eval()
    with torch.no_grad():
        x = torch.randn(2, 3, 9, 16)
        out = model(x, mode='tensor')
        hs, s, d = model.features(x)
        ref = ((d[0] + d[1]) * s).view(2, 3, 9).mean(1)
    assert out.shape == (2, 9)
    torch.testing.assert_close(out, ref)


def test_loss_refuses_a_batch_that_is_not_normal_first():
    model = _small()
    with pytest.raises(ValueError, match='normal videos first'):
        model(torch.randn(4, 1, 8, 16), [dict(gt_label=v) for v in (1, 0, 0, 1)], mode='loss')


def _synthetic_dataset(root, split='train'):
    from mmengine.registry import DATASETS
    cfg = Config.fromfile(SYNTH)
    loader = cfg.train_dataloader if split == 'train' else cfg.test_dataloader
    data = dict(loader.dataset, data_root=str(root))
    with DefaultScope.overwrite_default_scope('mmaction'):
        import bnwvad  # noqa: F401
        return DATASETS.build(data)


def test_sampler_yields_normal_first_halves(tmp_path):
    from bnwvad.datasets import BnwvadNormalAbnormalSampler, make_synthetic
    make_synthetic(str(tmp_path), num_train=(3, 2), num_test=(1, 1), num_snippets=(4, 6))
    data = _synthetic_dataset(tmp_path)
    labels = [data.get_data_info(i)['gt_label'] for i in range(len(data))]
    assert labels.count(0) == 10 and labels.count(1) == 15      # crop files, 5 per video
    sampler = BnwvadNormalAbnormalSampler(data, batch_size=8, seed=0)
    order = list(sampler)
    assert len(order) == len(sampler) == 2 * 8 and len(set(order)) == 16
    for b in range(2):
        assert [labels[i] for i in order[8 * b:8 * b + 8]] == [0] * 4 + [1] * 4
    sampler.set_epoch(1)
    assert list(sampler) != order                                 # reshuffled per epoch
    with pytest.raises(ValueError, match='needs 12 normal'):
        BnwvadNormalAbnormalSampler(data, batch_size=24)


def _write_bad(root, rel, array):
    np.save(osp.join(root, rel), array)


@pytest.mark.parametrize('case,match', [
    ('dim', r'has shape \(\d+, 1000\), expected \(T, 1024\)'),
    ('crops', 'has 4 crops, expected 5'),
    ('empty', 'is an empty video'),
])
def test_bad_feature_files_are_reported_with_file_and_line(tmp_path, case, match):
    from bnwvad.datasets import make_synthetic
    from cvshared.datasets.video_anomaly import VideoAnomalyDataError
    make_synthetic(str(tmp_path), num_train=(1, 1), num_test=(1, 1), num_snippets=(4, 6))
    lst = tmp_path / 'list' / 'XD_Train.list'
    lines = lst.read_text().split()
    if case == 'dim':
        _write_bad(tmp_path, lines[2], np.zeros((5, 1000), np.float32))
    elif case == 'empty':
        _write_bad(tmp_path, lines[2], np.zeros((0, 1024), np.float32))
    else:
        lst.write_text('\n'.join(lines[:4] + lines[5:]) + '\n')
    with pytest.raises(VideoAnomalyDataError, match=match) as err:
        _synthetic_dataset(tmp_path)
    assert 'XD_Train.list:' in str(err.value)


def test_missing_data_shows_the_tree(tmp_path):
    from bnwvad.paper import check_data
    with pytest.raises(FileNotFoundError) as err:
        check_data(str(tmp_path / 'none'), 'xd-violence')
    assert 'XD_Train.list' in str(err.value) and 'frame_label/' in str(err.value)


def test_check_data_reads_each_runs_own_layout(tmp_path):
    """A UCF-Crime root passes the ucf-crime run and fails the xd-violence one (its XD lists
    are missing); an unknown run name is an error, not a silent fallback."""
    from bnwvad.paper import check_data
    from cvshared.datasets.video_anomaly_synthetic import write_synthetic_video_anomaly_features
    write_synthetic_video_anomaly_features(str(tmp_path), 'ucf', num_train=(1, 1),
                                           num_test=(1, 1), feature_dim=8,
                                           num_snippets=(4, 4))
    check_data(str(tmp_path), 'ucf-crime')
    with pytest.raises(FileNotFoundError, match='XD_Train.list'):
        check_data(str(tmp_path), 'xd-violence')
    with pytest.raises(ValueError, match='unknown run .ucf.'):
        check_data(str(tmp_path), 'ucf')


def test_convert_maps_the_official_layout_strictly():
    from bnwvad.convert import convert, to_official
    model = _small()
    official = {'module.' + k: v for k, v in to_official(model.state_dict()).items()}
    assert 'module.selfatt.layers.1.0.fn.to_qkv.weight' in official
    assert 'module.embedding.conv_1.0.weight' in official
    assert 'module.normal_head.bn2.running_var' in official
    model.load_state_dict(convert(official), strict=True)
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})


def test_draw_sample_shades_the_ground_truth_and_rescales():
    from bnwvad.hooks import draw_sample
    from cvshared.hooks.video_anomaly import SHADE
    gt = np.zeros(8 * 16, np.int8)
    gt[32:64] = 1
    img = draw_sample(np.linspace(0, 5, 8), gt, 'v', size=(100, 200))
    shaded = np.flatnonzero((img == np.array(SHADE, np.uint8)).all(-1).any(0))
    assert abs(shaded.min() - (20 + 159 * 2 / 8)) <= 1
    assert abs(shaded.max() - (20 + 159 * 4 / 8)) <= 2
    same = draw_sample(np.linspace(0, 1, 8), gt, 'v', size=(100, 200))
    assert (img[20:] == same[20:]).all()       # scores divided by their max (5), title says so


def test_inferencer_hook_and_bad_input(tmp_path):
    from bnwvad.infer import INFERENCER
    from bnwvad.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(SYNTH).model).eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    feat = np.random.default_rng(0).standard_normal((5, 7, 1024)).astype(np.float32)
    np.save(tmp_path / 'video.npy', feat)
    np.save(tmp_path / 'crop0.npy', feat[0])
    infer = INFERENCER(SYNTH, str(tmp_path / 'model.pth'))
    payload = infer([str(tmp_path / 'video.npy'), str(tmp_path / 'crop0.npy')],
                    out_dir=str(tmp_path / 'o'))
    with torch.no_grad():
        expected = model(torch.from_numpy(feat)[None], mode='tensor')[0]
        expected0 = model(torch.from_numpy(feat[:1])[None], mode='tensor')[0]
    video, crop = payload['results']
    np.testing.assert_allclose(video['snippet_scores'], expected.numpy(), rtol=1e-5)
    np.testing.assert_allclose(crop['snippet_scores'], expected0.numpy(), rtol=1e-5)
    assert len(video['frame_scores']) == 7 * 16
    assert np.asarray(Image.open(video['files'][0])).shape == (200, 600, 3)
    np.save(tmp_path / 'bad.npy', np.zeros((7, 512), np.float32))
    with pytest.raises(ValueError, match=r'bad.npy.*shape \(7, 512\)'):
        infer([str(tmp_path / 'bad.npy')])
    np.save(tmp_path / 'empty.npy', np.zeros((0, 1024), np.float32))
    with pytest.raises(ValueError, match='empty video'):
        infer([str(tmp_path / 'empty.npy')])


def test_visualization_hook_writes_one_curve_per_video(tmp_path):
    from types import SimpleNamespace

    from bnwvad.hooks import BnwvadVisualizationHook
    runner = SimpleNamespace(work_dir=str(tmp_path), timestamp='ts')
    hook = BnwvadVisualizationHook(draw=True, test_out_dir='vis')
    outputs = [dict(pred_score=torch.rand(5), gt_frame_label=np.zeros(80, np.int8),
                    video_name='a'), dict(pred_score=torch.rand(3), video_name='b')]
    hook.after_test_iter(runner, 0, None, outputs)
    assert sorted(p.name for p in (tmp_path / 'ts' / 'vis').iterdir()) == ['a.png', 'b.png']
    BnwvadVisualizationHook(draw=False, test_out_dir='off').after_test_iter(runner, 0, None,
                                                                             outputs)
    assert not (tmp_path / 'ts' / 'off').exists()
