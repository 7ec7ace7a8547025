"""Tests of cvshared.wsss.cam: multi-scale + flip CAM inference (PSA / IRN), the background
channel and the CAM files.

Golden: the official fusion of IRN ``step/make_cam.py`` and PSA ``infer_cls.py`` (with their
datasets' multi-scale resizing) run with the tiny CAM network :func:`tiny_cam_fn` on images of
odd sizes (tests/data/wsss/cam.pt, PROVENANCE.md).
"""
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from cvshared.checkpoint import load_checkpoint_file
from cvshared.wsss.cam import (
    CamFileError,
    background,
    check_cam_size,
    load_cam,
    multiscale_cam,
    save_cam,
    strided_size,
)

torch.set_num_threads(1)
GOLDEN = Path(__file__).resolve().parents[1] / 'data' / 'wsss' / 'cam.pt'
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def normalize(x):
    """IRN's TorchvisionNormalize on a 0..255 float image (CHW)."""
    return (x / 255. - MEAN) / STD


def tiny_cam_fn(weight, bias):
    """The golden CAM network (same as make_golden_wsss.py): 4 x 4 average pooling (ceil mode,
    so odd sizes keep their border), a 1 x 1 conv, ReLU."""
    def fn(x):
        return F.relu(F.conv2d(F.avg_pool2d(x, 4, 4, ceil_mode=True), weight, bias))
    return fn


def _net(c=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    return tiny_cam_fn(torch.randn(c, 3, 1, 1, generator=g), torch.randn(c, generator=g) * 0.5)


def _img(h, w, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8)


def _label(*keys, c=20):
    lab = torch.zeros(c)
    lab[list(keys)] = 1
    return lab


@pytest.mark.parametrize('variant', ['irn', 'psa'])
def test_shapes_keys_and_max_normalisation(variant):
    img = _img(37, 51)
    out = multiscale_cam(_net(), img, variant=variant, label=_label(3, 11, 17),
                         normalize=normalize)
    assert out['keys'].tolist() == [3, 11, 17]
    assert out['high_res'].shape == (3, 37, 51)
    want = strided_size((37, 51), 4) if variant == 'irn' else (37, 51)
    assert want == ((10, 13) if variant == 'irn' else (37, 51))
    assert out['cam'].shape == (3,) + want
    for m in (out['cam'], out['high_res']):
        mx = m.amax((1, 2))
        assert (m >= 0).all()
        # max / (max + 1e-5): just below 1 for a map of order 1..10
        assert ((mx < 1) & (mx > 1 - 1e-5)).all(), mx


def test_irn_and_psa_fusions_differ_and_flip_matters():
    img, net, lab = _img(29, 35), _net(), _label(0, 5)
    irn = multiscale_cam(net, img, variant='irn', label=lab, normalize=normalize)
    psa = multiscale_cam(net, img, variant='psa', label=lab, normalize=normalize)
    assert (irn['high_res'] - psa['high_res']).abs().max() > 1e-3
    noflip = multiscale_cam(net, img, variant='irn', label=lab, normalize=normalize, flip=False)
    assert (irn['high_res'] - noflip['high_res']).abs().max() > 1e-3


def test_single_scale_irn_is_the_resized_flip_sum():
    """scales=(1,): high_res = relu(net(x)) + flip(relu(net(flip x))) resized, normalised."""
    img, net = _img(33, 41), _net()
    x = normalize(img.float())
    o = net(torch.stack([x, x.flip(-1)]))
    o = o[0] + o[1].flip(-1)
    hr = F.interpolate(o[None], (48, 48), mode='bilinear', align_corners=False)[0, :, :33, :41]
    hr = hr[[2, 9]]
    hr = hr / (hr.amax((1, 2), keepdim=True) + 1e-5)
    out = multiscale_cam(net, img, scales=(1.0,), variant='irn', label=_label(2, 9),
                         normalize=normalize)
    torch.testing.assert_close(out['high_res'], hr, rtol=0, atol=1e-6)


def test_float_input_is_resized_by_torch_close_to_pil():
    img, net, lab = _img(40, 48), _net(), _label(1, 4)
    a = multiscale_cam(net, img, variant='irn', label=lab, normalize=normalize)
    b = multiscale_cam(net, normalize(img.float()), variant='irn', label=lab)
    d = (a['high_res'] - b['high_res']).abs().max()
    assert 0 < d < 0.1, d


@pytest.mark.skipif(not GOLDEN.is_file(), reason='golden not generated yet')
def test_multiscale_cam_equals_the_official_scripts():
    g = load_checkpoint_file(str(GOLDEN))
    net = tiny_cam_fn(g['weight'], g['bias'])
    for case in g['cases']:
        img = case['img'].permute(2, 0, 1).contiguous()  # HWC uint8 -> CHW
        for variant in ('irn', 'psa'):
            ref = case[variant]
            out = multiscale_cam(net, img, variant=variant, label=case['label'],
                                 normalize=normalize)
            assert out['keys'].tolist() == ref['keys'].tolist()
            # measured 2.4e-7 (maps in 0..1): the official normalisation runs in float64 then
            # casts, ours in float32; the same PIL resizing and the same float32 interpolations
            torch.testing.assert_close(out['high_res'], ref['high_res'], rtol=0, atol=1e-6)
            torch.testing.assert_close(out['cam'], ref.get('cam', ref['high_res']), rtol=0,
                                       atol=1e-6)


@pytest.mark.skipif(not GOLDEN.is_file(), reason='golden not generated yet')
def test_golden_network_matters():
    """A 1 % change of the tiny network's weights moves every golden case far beyond 1e-6,
    so the golden comparison above checks the whole fusion, not maps that any input gives."""
    g = load_checkpoint_file(str(GOLDEN))
    net = tiny_cam_fn(g['weight'] * 1.01, g['bias'])
    for case in g['cases']:
        img = case['img'].permute(2, 0, 1).contiguous()
        for variant in ('irn', 'psa'):
            out = multiscale_cam(net, img, variant=variant, label=case['label'],
                                 normalize=normalize)
            assert (out['high_res'] - case[variant]['high_res']).abs().max() > 1e-3


def test_background_const_and_power():
    cam = np.array([[[0.2, 0.9]], [[0.5, 0.1]]], np.float32)  # K=2, 1 x 2
    np.testing.assert_array_equal(background(cam, 'const', value=0.3),
                                  np.full((1, 1, 2), 0.3, np.float32))
    np.testing.assert_allclose(background(cam, 'power', alpha=4), [[[0.5 ** 4, 0.1 ** 4]]],
                               rtol=1e-6)
    t = background(torch.from_numpy(cam), 'power', alpha=16)
    assert torch.is_tensor(t)
    torch.testing.assert_close(t, torch.tensor([[[0.5 ** 16, 0.1 ** 16]]]))
    np.testing.assert_array_equal(background(np.zeros((0, 2, 3), np.float32), 'power', alpha=4),
                                  np.ones((1, 2, 3), np.float32))
    with pytest.raises(ValueError, match='mode'):
        background(cam, 'max')


@pytest.mark.parametrize('fmt', ['irn', 'psa'])
def test_save_load_round_trip(tmp_path, fmt):
    out = multiscale_cam(_net(), _img(21, 27), variant=fmt, label=_label(4, 6),
                         normalize=normalize)
    path = str(tmp_path / 'cams' / '2007_000032.npy')
    save_cam(path, out, format=fmt)
    raw = np.load(path, allow_pickle=True).item()   # the official readers' call
    if fmt == 'irn':
        assert sorted(raw) == ['cam', 'high_res', 'keys']
        np.testing.assert_array_equal(raw['keys'] + 1, [5, 7])  # cam_to_ir_label's use
    else:
        assert sorted(raw) == [4, 6]
    back = load_cam(path, image_size=(21, 27))
    np.testing.assert_array_equal(back['keys'], [4, 6])
    np.testing.assert_array_equal(back['high_res'], out['high_res'].numpy())
    np.testing.assert_array_equal(back['cam'], out['cam'].numpy())


@pytest.mark.parametrize('fmt', ['irn', 'psa'])
def test_image_without_classes_round_trips(tmp_path, fmt):
    out = multiscale_cam(_net(), _img(17, 19), variant=fmt, label=torch.zeros(20))
    assert out['high_res'].shape == (0, 17, 19)
    save_cam(str(tmp_path / 'e.npy'), out, format=fmt)
    assert load_cam(str(tmp_path / 'e.npy'), image_size=(17, 19))['high_res'].shape == (0, 17, 19)


def test_official_irn_file_with_tensors_is_read(tmp_path):
    path = str(tmp_path / 'a.npy')
    cam = torch.rand(2, 3, 4)
    np.save(path, {'keys': torch.tensor([0, 7]), 'cam': cam,
                   'high_res': np.ones((2, 10, 13), np.float32)})
    back = load_cam(path, image_size=(10, 13))
    np.testing.assert_array_equal(back['keys'], [0, 7])
    np.testing.assert_array_equal(back['cam'], cam.numpy())


class _Evil:
    def __reduce__(self):
        return (print, ('pwned',))


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.npy.*run the make_cam stage first"):
        load_cam(str(tmp_path / 'nope.npy'))
    path = str(tmp_path / 'c.npy')
    save_cam(path, dict(keys=torch.tensor([1]), cam=torch.zeros(1, 5, 6),
                        high_res=torch.zeros(1, 17, 21)))
    with pytest.raises(CamFileError, match=r'CAM is 17x21 .* image is 18x21'):
        load_cam(path, image_size=(18, 21))
    bad = dict(keys=np.array([1]), cam=np.zeros((1, 4, 6)), high_res=np.zeros((1, 17, 21)))
    with pytest.raises(CamFileError, match=r'stride-4 CAM is 4x6 .* needs 5x6'):
        check_cam_size(bad, (17, 21))
    evil = str(tmp_path / 'evil.npy')
    np.save(evil, {'keys': _Evil()}, allow_pickle=True)
    with pytest.raises(CamFileError, match=r'refusing to rebuild builtins\.print'):
        load_cam(evil)
    plain = str(tmp_path / 'plain.npy')
    np.save(plain, np.zeros((2, 3)))
    with pytest.raises(CamFileError, match='not a CAM dict'):
        load_cam(plain)


def test_bad_arguments():
    img = _img(16, 16)
    with pytest.raises(ValueError, match='variant'):
        multiscale_cam(_net(), img, variant='x')
    with pytest.raises(ValueError, match='3 x H x W'):
        multiscale_cam(_net(), img[0])
    with pytest.raises(ValueError, match='20 class'):
        multiscale_cam(_net(), img, label=torch.zeros(21))


@pytest.mark.skipif(not GOLDEN.is_file(), reason='golden not generated yet')
def test_power_background_equals_psa_crf_inputs():
    """PSA's _crf_with_alpha feeds crf_inference with (1 - max CAM)^alpha stacked on the CAMs
    (alpha 4 then 32 per image): background(..., 'power') rebuilds those recorded inputs."""
    cams = load_checkpoint_file(str(GOLDEN))['cases']
    calls = load_checkpoint_file(str(GOLDEN.with_name('crf.pt')))['prob']
    for i, case in enumerate(cams):
        hr = case['psa']['high_res']
        for j, alpha in enumerate((4, 32)):
            probs = torch.cat([background(hr, 'power', alpha=alpha), hr])
            ref = calls[2 * i + j]['probs']
            torch.testing.assert_close(probs, ref, rtol=0, atol=1e-6)
            other = background(hr, 'power', alpha=36 - alpha)
            assert (other - ref[:1]).abs().max() > 1e-2


def test_cam_label_is_the_argmax_against_the_constant_background_brute_force():
    from cvshared.wsss.cam import cam_label
    rng = np.random.default_rng(0)
    keys = np.array([3, 14, 0])
    cams = rng.random((3, 5, 7)).astype(np.float32)
    for bg in (0.0, 0.4, 0.8, 1.1):
        lab = cam_label(keys, cams, bg).numpy()
        for y in range(5):
            for x in range(7):
                scores = [bg] + list(cams[:, y, x])
                k = int(np.argmax(scores))
                assert lab[y, x] == (0 if k == 0 else keys[k - 1] + 1)
    assert (cam_label(keys, cams, 1.1) == 0).all()
    assert cam_label(torch.tensor([5]), torch.ones(1, 2, 2), 0.5).tolist() == [[6, 6], [6, 6]]
    with pytest.raises(ValueError, match='len\\(keys\\)'):
        cam_label(keys[:2], cams, 0.4)
