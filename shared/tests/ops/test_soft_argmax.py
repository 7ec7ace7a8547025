"""Tests of cvshared.ops.soft_argmax (MotionSqueeze kernel soft-argmax)."""
import math
from pathlib import Path

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from cvshared.ops.correlation import cosine_local_correlation
from cvshared.ops.soft_argmax import argmax_gaussian_kernel, kernel_soft_argmax

DATA = Path(__file__).resolve().parents[1] / 'data' / 'ops'
DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])


def per_pixel_reference(vol, sigma, tau):
    """Loop over pixels, written from the paper's description (float64)."""
    b, p, _, h, w = vol.shape
    r = p // 2
    flow = torch.zeros(b, 2, h, w, dtype=torch.float64)
    conf = torch.zeros(b, 1, h, w, dtype=torch.float64)
    for bi in range(b):
        for y in range(h):
            for x in range(w):
                c = vol[bi, :, :, y, x].double()
                k = int(torch.argmax(c.reshape(-1)))
                us, vs = divmod(k, p)
                logits = torch.empty(p, p, dtype=torch.float64)
                for u in range(p):
                    for v in range(p):
                        g = math.exp(-((v - vs) ** 2 + (u - us) ** 2) / (2 * sigma ** 2))
                        logits[u, v] = tau * g * c[u, v]
                prob = torch.softmax(logits.reshape(-1), 0).reshape(p, p)
                disp = torch.arange(p, dtype=torch.float64) - r
                flow[bi, 0, y, x] = (prob.sum(0) * disp).sum() / r
                flow[bi, 1, y, x] = (prob.sum(1) * disp).sum() / r
                conf[bi, 0, y, x] = c.max()
    return flow, conf


def test_matches_per_pixel_reference():
    vol = torch.rand(2, 5, 5, 3, 4, dtype=torch.float64)
    flow, conf = kernel_soft_argmax(vol, sigma=1.5, temperature=7.0)
    ref_flow, ref_conf = per_pixel_reference(vol, 1.5, 7.0)
    torch.testing.assert_close(flow, ref_flow)
    torch.testing.assert_close(conf, ref_conf)


def test_flat_channel_input_is_accepted():
    vol = torch.rand(1, 7, 7, 3, 3)
    a = kernel_soft_argmax(vol)
    b = kernel_soft_argmax(vol.reshape(1, 49, 3, 3))
    torch.testing.assert_close(a, b, atol=0, rtol=0)
    with pytest.raises(ValueError, match='P\\*P'):
        kernel_soft_argmax(torch.rand(1, 48, 3, 3))


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('shift', [(1, 2), (-3, 0), (0, -7), (5, -4)])
def test_translated_features_give_flow_shift_over_r(device, shift):
    """Frame t+1 = frame t moved by (dy, dx) => flow = (dx / r, dy / r) away from borders."""
    dy, dx = shift
    g = torch.Generator().manual_seed(0)
    f1 = torch.randn(1, 64, 24, 24, generator=g).to(device)
    f2 = torch.roll(f1, shifts=(dy, dx), dims=(2, 3))
    corr = torch.relu(cosine_local_correlation(f1, f2, 15))
    flow, conf = kernel_soft_argmax(corr, sigma=5, temperature=100)
    inner = (slice(None), slice(None), slice(8, 16), slice(8, 16))
    # The match has cosine 1 and the others <~ 0.5, so with tau = 100 the softmax mass off the
    # peak is < 225 * exp(-50): the expectation equals the shift to float precision.
    torch.testing.assert_close(flow[:, 0][inner[:1] + inner[2:]],
                               torch.full((1, 8, 8), dx / 7, device=device), atol=1e-5, rtol=0)
    torch.testing.assert_close(flow[:, 1][inner[:1] + inner[2:]],
                               torch.full((1, 8, 8), dy / 7, device=device), atol=1e-5, rtol=0)
    assert torch.all(conf[inner] > 1 - 1e-5)  # identical vectors match with confidence 1


def test_identical_frames_have_unit_confidence_and_zero_flow():
    f = torch.randn(2, 16, 9, 9)
    flow, conf = kernel_soft_argmax(torch.relu(cosine_local_correlation(f, f, 15)))
    torch.testing.assert_close(conf, torch.ones_like(conf), atol=1e-5, rtol=0)
    # Random 16-d vectors can be close to each other, so zero flow holds only approximately:
    # off-peak cosines <~ 0.9 give weights <~ exp(-10) per displacement.
    assert flow.abs().max() < 5e-2


def test_gaussian_kernel_is_centered_on_argmax_and_detached():
    vol = torch.rand(1, 5, 5, 2, 2, requires_grad=True)
    k = argmax_gaussian_kernel(vol, sigma=1.0)
    assert not k.requires_grad
    idx = vol.reshape(1, 25, 2, 2).argmax(1)
    torch.testing.assert_close(k.reshape(1, 25, 2, 2).gather(1, idx.unsqueeze(1)),
                               torch.ones(1, 1, 2, 2))


def test_gradcheck():
    g = torch.Generator().manual_seed(3)
    vol = torch.rand(1, 3, 3, 2, 2, generator=g, dtype=torch.float64, requires_grad=True)

    def fn(v):
        flow, conf = kernel_soft_argmax(v, sigma=1.0, temperature=3.0)
        return flow, conf

    assert torch.autograd.gradcheck(fn, (vol,))


def test_golden_motionsqueeze_match_to_flow_soft():
    """Official ResNet.match_to_flow_soft (k=1, tau=100, sigma=5) on Matching_layer_mm output."""
    g = load_checkpoint_file(DATA / 'motionsqueeze_match_flow.pt')
    for key in ('rand', 'shift'):
        corr = g[f'corr_{key}']  # (B, 225, H*W)
        b = corr.shape[0]
        h, w = g['f1'].shape[-2:]
        flow, conf = kernel_soft_argmax(corr.view(b, 225, h, w), temperature=g['temperature'])
        # Same float32 operations in the same order; measured max |diff| = 0.
        torch.testing.assert_close(flow, g[f'flow_{key}'], atol=1e-6, rtol=0)
        torch.testing.assert_close(conf, g[f'conf_{key}'], atol=0, rtol=0)
    # The official output for a (+1 row, +2 column) shift: flow = (2/7, 1/7) inside the image.
    torch.testing.assert_close(g['flow_shift'][0, :, 3, 4], torch.tensor([2 / 7, 1 / 7]))


def test_ties_use_the_first_maximum_like_torch_argmax():
    """Equal maxima: the Gaussian is centred on the first one in u * P + v order (official)."""
    vol = torch.zeros(1, 5, 5, 1, 1, dtype=torch.float64)
    vol[0, 0, 0] = vol[0, 4, 4] = 1.0  # two maxima at opposite corners
    flow, conf = kernel_soft_argmax(vol, sigma=1.0, temperature=10.0)
    ref_flow, ref_conf = per_pixel_reference(vol, 1.0, 10.0)
    torch.testing.assert_close(flow, ref_flow)
    assert flow[0, 0, 0, 0] < 0 and flow[0, 1, 0, 0] < 0  # pulled towards (u, v) = (0, 0)
    assert conf.item() == 1.0
