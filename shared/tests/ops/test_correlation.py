"""Tests of cvshared.ops.correlation (local correlation and SELFY's STSS)."""
from pathlib import Path

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from cvshared.ops.correlation import (
    STSS_LAYOUTS,
    cosine_local_correlation,
    l2_normalize,
    local_correlation,
    local_correlation_reference,
    spatio_temporal_self_similarity,
)

DATA = Path(__file__).resolve().parents[1] / 'data' / 'ops'
DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])


def brute_force_correlation(f1, f2, pu, pv, dil=1):
    """Literal loop over the definition out[b,u,v,y,x] = sum_c f1[c,y,x] f2[c,y+du,x+dv]."""
    b, c, h, w = f1.shape
    out = torch.zeros(b, pu, pv, h, w, dtype=f1.dtype)
    for bi in range(b):
        for u in range(pu):
            for v in range(pv):
                for y in range(h):
                    for x in range(w):
                        y2, x2 = y + (u - pu // 2) * dil, x + (v - pv // 2) * dil
                        if 0 <= y2 < h and 0 <= x2 < w:
                            out[bi, u, v, y, x] = (f1[bi, :, y, x] * f2[bi, :, y2, x2]).sum()
    return out


@pytest.mark.parametrize('patch,dil', [(3, 1), ((3, 5), 1), (5, 2), (9, 1)])
def test_matches_brute_force_loop(patch, dil):
    g = torch.Generator().manual_seed(0)
    f1, f2 = torch.randn(2, 3, 4, 5, generator=g), torch.randn(2, 3, 4, 5, generator=g)
    pu, pv = (patch, patch) if isinstance(patch, int) else patch
    expected = brute_force_correlation(f1.double(), f2.double(), pu, pv, dil)
    # float32 dot products of 3 terms: 1e-5 absolute is ~100 ulps of the O(1) values.
    torch.testing.assert_close(local_correlation(f1, f2, patch, dil).double(), expected,
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(local_correlation_reference(f1, f2, patch, dil).double(),
                               expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('rows', [None, 1, 3, 11])
def test_block_sizes_agree_with_reference(device, rows):
    g = torch.Generator().manual_seed(1)
    f1 = torch.randn(3, 16, 11, 13, generator=g).to(device)
    f2 = torch.randn(3, 16, 11, 13, generator=g).to(device)
    ref = local_correlation_reference(f1, f2, 15)
    out = local_correlation(f1, f2, 15, rows_per_block=rows)
    assert out.shape == (3, 15, 15, 11, 13) and out.device == f1.device
    # Sums of 16 products of N(0,1) values (|value| <~ 20) in float32: 1e-4 absolute.
    torch.testing.assert_close(out, ref, atol=1e-4, rtol=0)


@pytest.mark.parametrize('dil', [1, 2])
def test_gradcheck(dil):
    g = torch.Generator().manual_seed(2)
    f1 = torch.randn(1, 2, 3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    f2 = torch.randn(1, 2, 3, 4, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: local_correlation(a, b, 3, dil, 2), (f1, f2))
    assert torch.autograd.gradcheck(lambda a, b: cosine_local_correlation(a, b, 3, dil), (f1, f2))


def test_zero_displacement_of_cosine_self_correlation_is_one():
    f = torch.randn(2, 8, 6, 7, dtype=torch.float64) * 3
    corr = cosine_local_correlation(f, f, 5)
    expected = (f.pow(2).sum(1) / (f.pow(2).sum(1) + 1e-6))  # eps on the squared norm
    torch.testing.assert_close(corr[:, 2, 2], expected)
    assert corr.abs().max() <= 1 + 1e-12  # Cauchy-Schwarz for normalised vectors


def test_l2_normalize_convention():
    x = torch.tensor([[[[3.0]], [[4.0]]]])
    torch.testing.assert_close(l2_normalize(x), x / (25 + 1e-6) ** 0.5)


def test_bad_input_errors():
    f = torch.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match='odd'):
        local_correlation(f, f, 4)
    with pytest.raises(ValueError, match='same shape'):
        local_correlation(f, torch.randn(1, 2, 4, 5), 3)
    with pytest.raises(ValueError, match='positive and odd'):
        spatio_temporal_self_similarity(torch.randn(1, 2, 2, 4, 4), (4, 3, 3))


def brute_force_stss(x, window, normalize):
    """STSS straight from SELFY's definition, with zero time padding."""
    b, t, c, h, w = x.shape
    length, pu, pv = window
    f = x / (x.pow(2).sum(2, keepdim=True) + 1e-6).sqrt() if normalize else x
    out = torch.zeros(b, t, h, w, 1, length, pu, pv, dtype=x.dtype)
    for ti in range(t):
        for li in range(length):
            t2 = ti + li - length // 2
            if 0 <= t2 < t:
                corr = brute_force_correlation(f[:, ti], f[:, t2], pu, pv)
                out[:, ti, :, :, 0, li] = corr.permute(0, 3, 4, 1, 2)
    return out


@pytest.mark.parametrize('normalize,window', [(True, (5, 3, 3)), (False, (5, 3, 3)),
                                              (True, (3, 5, 3)), (True, (7, 3, 3))])
def test_stss_matches_definition(normalize, window):
    # T = 4: offsets +-2 (and +-3 for L = 7) reach the zero time padding.
    x = torch.randn(1, 4, 3, 4, 5, dtype=torch.float64)
    out = spatio_temporal_self_similarity(x, window, normalize=normalize)
    assert out.shape == (1, 4, 4, 5, 1, *window)
    torch.testing.assert_close(out, brute_force_stss(x, window, normalize))


@pytest.mark.parametrize('window', [(4, 3, 3), (3, 4, 3), (3, 3, 2), (0, 3, 3)])
@pytest.mark.parametrize('hw', [(4, 5), (20, 20)], ids=['gram-path', 'row-block-path'])
def test_stss_refuses_an_even_window_on_both_paths(window, hw):
    """An even L, U or V is refused whatever the frame size (small frames take the Gram path,
    larger ones the row blocks; an even U or V used to pass on the first and fail on the
    second)."""
    x = torch.randn(1, 2, 2, *hw)
    with pytest.raises(ValueError, match='positive and odd'):
        spatio_temporal_self_similarity(x, window)


def shifted_stss(x, window):
    """Cosine STSS as one shift-and-multiply per (l, u, v) on the zero-padded clip (vectorised,
    differentiable: the gradient oracle; checked against :func:`brute_force_stss`)."""
    b, t, c, h, w = x.shape
    length, pu, pv = window
    f = x / (x.pow(2).sum(2, keepdim=True) + 1e-6).sqrt()
    padded = torch.nn.functional.pad(f, (pv // 2, pv // 2, pu // 2, pu // 2, 0, 0,
                                         length // 2, length // 2))
    out = [(f * padded[:, li:li + t, :, u:u + h, v:v + w]).sum(2)
           for li in range(length) for u in range(pu) for v in range(pv)]
    return torch.stack(out, -1).view(b, t, h, w, 1, length, pu, pv)


def test_shifted_stss_oracle_is_the_definition():
    x = torch.randn(1, 4, 3, 4, 5, dtype=torch.float64)
    torch.testing.assert_close(shifted_stss(x, (5, 3, 5)), brute_force_stss(x, (5, 3, 5), True))


@pytest.mark.parametrize('shape, window', [((2, 4, 8, 6, 5), (5, 3, 3)),
                                           ((1, 6, 6, 14, 14), (5, 9, 9)),
                                           ((2, 3, 4, 5, 5), (3, 3, 5)),
                                           ((2, 2, 4, 5, 5), (5, 3, 5)),
                                           ((1, 3, 2, 20, 20), (3, 3, 3))],
                         ids=['gram', 'selfy-14x14', 'u-ne-v', 't-below-l', 'row-blocks'])
def test_stss_layouts_same_values_and_gradients(shape, window):
    """Both output layouts hold the same values (bit for bit: the same products and picks), the
    definition's, and give its input gradient (double, through autograd of
    :func:`shifted_stss`); T below, equal to and above L (T = 2 with L = 5: offsets +-2 all time
    padding); the memory order is the one each layout names."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(*shape, generator=g, dtype=torch.float64, requires_grad=True)
    ref = shifted_stss(x, window)
    gout = torch.randn(ref.shape, generator=g, dtype=torch.float64)
    want, = torch.autograd.grad(ref, x, gout)
    outs = {}
    for layout in STSS_LAYOUTS:
        out = outs[layout] = spatio_temporal_self_similarity(x, window, layout=layout)
        assert out.shape == ref.shape
        torch.testing.assert_close(out, ref, atol=1e-12, rtol=0)
        got, = torch.autograd.grad(out, x, gout)
        torch.testing.assert_close(got, want, atol=1e-12, rtol=0)
    assert torch.equal(outs['bthwluv'], outs['uvbthwl'])
    assert outs['uvbthwl'].permute(6, 7, 0, 1, 2, 3, 4, 5).is_contiguous()
    if shape[-1] < 20:  # the Gram path's default output is contiguous, as before
        assert outs['bthwluv'].is_contiguous()
    with pytest.raises(ValueError, match='layout'):
        spatio_temporal_self_similarity(x, window, layout='bthw')


def test_stss_gradcheck():
    x = torch.randn(1, 2, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    for layout in STSS_LAYOUTS:
        assert torch.autograd.gradcheck(
            lambda a, layout=layout: spatio_temporal_self_similarity(a, (3, 3, 3), layout=layout),
            (x,), fast_mode=True)


def test_golden_selfy_stss():
    """Official SELFY STSSTransformation (naive path, downsample -> identity); see PROVENANCE."""
    g = load_checkpoint_file(DATA / 'selfy_stss.pt')
    t = g['num_segments']
    x = g['x'].view(-1, t, *g['x'].shape[1:])
    out = spatio_temporal_self_similarity(x, g['window'])
    # Same float32 dot products as the official einsum; measured max |diff| = 0.
    torch.testing.assert_close(out, g['stss'], atol=1e-6, rtol=0)


def test_golden_motionsqueeze_matching_layer():
    """Official MotionSqueeze Matching_layer_mm (= relu(cosine correlation), patch 15)."""
    g = load_checkpoint_file(DATA / 'motionsqueeze_match_flow.pt')
    for key in ('rand', 'shift'):
        f2 = g['f2'] if key == 'rand' else g['f2_shift']
        corr = torch.relu(cosine_local_correlation(g['f1'], f2, g['patch']))
        b, _, _, h, w = corr.shape
        torch.testing.assert_close(corr.reshape(b, -1, h * w), g[f'corr_{key}'], atol=1e-6,
                                   rtol=0)
