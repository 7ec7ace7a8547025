"""Tests of the HED-weighted BCE (cvshared.vos.losses) against F.binary_cross_entropy, the
official numpy/cv2 recipe of the negative map (written out here with cv2.dilate) and a hand-made
hard-negative case."""
import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from cvshared.vos.losses import (
    WeightedBCELoss,
    dilate,
    hard_negative_map,
    hard_negative_weight,
    weighted_bce,
)


def official_negative_map(mask, hed, k_mask=11, k_neg=5):
    """The per-frame recipe of the official dataloader (float64 numpy + cv2)."""
    mask = mask.copy()
    mask[mask > 0] = 255
    dilated = cv2.dilate(mask, np.ones((k_mask, k_mask), np.uint8), iterations=1)
    neg = (255.0 - hed) / 255.0 * ((255.0 - dilated) / 255.0)
    return cv2.dilate(neg, np.ones((k_neg, k_neg), np.uint8), iterations=1)


def test_weighted_bce_equals_torch_with_hand_built_weights():
    torch.manual_seed(0)
    p = torch.rand(2, 1, 6, 7, dtype=torch.float64)
    p[0, 0, 0, :3] = torch.tensor([0.0, 1.0, 1e-50])  # clamped logs (-100), as in torch
    y = (torch.rand_like(p) > 0.5).to(p.dtype)
    w = torch.ones_like(p)
    w[:, :, 2:4] = 1.7                                # a band of hard negatives
    w[1, 0, 5, 6] = 3.0
    got = weighted_bce(p, y, w)
    want = F.binary_cross_entropy(p, y, weight=w, reduction='mean')
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(weighted_bce(p, y), F.binary_cross_entropy(p, y),
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match='differ in shape'):
        weighted_bce(p, y[..., :3])


def test_weighted_bce_gradient_matches_torch():
    torch.manual_seed(1)
    p1 = torch.rand(1, 1, 5, 5, dtype=torch.float64).clamp(0.05, 0.95).requires_grad_()
    p2 = p1.detach().clone().requires_grad_()
    y = torch.rand(1, 1, 5, 5, dtype=torch.float64)   # soft targets (HCPN contours)
    w = 1 + torch.rand_like(y)
    weighted_bce(p1, y, w).backward()
    F.binary_cross_entropy(p2, y, weight=w).backward()
    torch.testing.assert_close(p1.grad, p2.grad, rtol=1e-10, atol=1e-12)


def test_dilate_matches_cv2():
    rng = np.random.default_rng(2)
    x = rng.random((13, 17))
    for k in (1, 3, 5, 11):
        want = cv2.dilate(x, np.ones((k, k), np.uint8))
        np.testing.assert_array_equal(dilate(torch.from_numpy(x), k).numpy(), want)
    with pytest.raises(ValueError, match='odd'):
        dilate(torch.from_numpy(x), 4)


def test_hard_negative_map_matches_official_recipe():
    rng = np.random.default_rng(3)
    mask = np.zeros((40, 50), np.uint8)
    mask[10:22, 15:30] = 1                                    # one object, label 1 (> 0)
    mask[30:33, 40:44] = 7
    hed = rng.integers(0, 256, (40, 50)).astype(np.uint8)
    want = official_negative_map(mask, hed)
    got = hard_negative_map(torch.from_numpy(mask), torch.from_numpy(hed).double())
    np.testing.assert_allclose(got.numpy(), want, rtol=0, atol=1e-12)
    # batched (N, 1, H, W), float32 from uint8 HED
    got32 = hard_negative_map(torch.from_numpy(mask)[None, None].repeat(2, 1, 1, 1),
                              torch.from_numpy(hed)[None, None].repeat(2, 1, 1, 1))
    assert got32.dtype == torch.float32 and got32.shape == (2, 1, 40, 50)
    np.testing.assert_allclose(got32[1, 0].numpy(), want, rtol=0, atol=1e-6)  # float32 eps
    with pytest.raises(ValueError, match='differ in shape'):
        hard_negative_map(torch.from_numpy(mask), torch.from_numpy(hed)[:, :3])


def test_hand_made_hard_negative_case():
    # 7 x 7, one foreground pixel at (3, 3), one sure edge at (0, 6); mask dilation 3, final 3.
    mask = torch.zeros(7, 7)
    mask[3, 3] = 1
    hed = torch.zeros(7, 7)
    hed[0, 6] = 255
    hed[6, 0] = 127.5                        # a half-sure edge: inverse 0.5
    # before the final dilation: 0 on the 3x3 block around (3, 3) and at the sure edge, 0.5 at
    # (6, 0), 1 elsewhere
    pre = torch.ones(7, 7)
    pre[2:5, 2:5] = 0
    pre[0, 6] = 0
    pre[6, 0] = 0.5
    n0 = hard_negative_map(mask, hed, dilate_mask=3, dilate_neg=1)
    torch.testing.assert_close(n0, pre, rtol=0, atol=0)
    # 3x3 max filter: only the object pixel keeps an all-zero neighbourhood; the sure edge's
    # neighbours are 1; (6, 0) is lifted to 1 by its neighbours
    n = hard_negative_map(mask, hed, dilate_mask=3, dilate_neg=3)
    want = torch.ones(7, 7)
    want[3, 3] = 0
    torch.testing.assert_close(n, want, rtol=0, atol=0)
    w = hard_negative_weight(mask, hed, dilate_mask=3, dilate_neg=3)
    assert w[3, 3] == 1.0                    # foreground: weight 1
    assert float(w[0, 0]) == 2.0             # hard negative: 1 + n
    # defaults (11 then 5): the 5x5 dilation cannot reach the foreground (11 // 2 > 5 // 2)
    big = torch.zeros(30, 30)
    big[10:20, 10:20] = 1
    n_def = hard_negative_map(big, torch.zeros(30, 30))
    assert float(n_def[big > 0].max()) == 0.0
    assert float(n_def[7, 15]) == 0.0 and float(n_def[2, 15]) == 1.0  # 3 px off: 0; far: 1


def test_bytescale_reproduces_scipy_imresize_quantisation():
    n = torch.tensor([[0.25, 0.5], [0.75, 0.75]], dtype=torch.float64)
    mask = torch.zeros(2, 2)
    # feed n through the map: mask empty, hed = 255 (1 - n), no dilation
    hed = 255 * (1 - n)
    got = hard_negative_map(mask, hed, dilate_mask=1, dilate_neg=1, bytescale=True)
    # (n - 0.25) * 255 / 0.5 = 0, 127.5, 255, 255 -> floor(x + 0.5) -> 0, 128, 255, 255
    want = torch.tensor([[0.0, 128.0], [255.0, 255.0]], dtype=torch.float64) / 255
    torch.testing.assert_close(got, want, rtol=0, atol=1e-15)
    flat = hard_negative_map(mask, torch.zeros(2, 2, dtype=torch.float64), dilate_mask=1,
                             dilate_neg=1, bytescale=True)
    assert torch.equal(flat, torch.zeros(2, 2, dtype=torch.float64))  # constant map -> 0


def test_weighted_bce_loss_module():
    torch.manual_seed(4)
    p = torch.rand(2, 1, 4, 4).clamp(0.01, 0.99)
    y = (torch.rand_like(p) > 0.5).float()
    n = torch.rand_like(p)
    loss = WeightedBCELoss(loss_weight=0.25, loss_name='loss_ctr')  # mmseg build: test_blocks
    assert loss.loss_name == 'loss_ctr'
    torch.testing.assert_close(loss(p, y, hard_negative=n),
                               0.25 * F.binary_cross_entropy(p, y, weight=1 + n))
    torch.testing.assert_close(loss(p, y, weight=1 + n), loss(p, y, hard_negative=n))
    torch.testing.assert_close(WeightedBCELoss()(p, y), F.binary_cross_entropy(p, y))
    with pytest.raises(ValueError, match='not both'):
        loss(p, y, weight=n, hard_negative=n)


def test_weighted_bce_gradient_is_finite_at_saturated_probabilities():
    """A saturated sigmoid (p exactly 0 or 1) must give F.binary_cross_entropy's finite
    gradient, not NaN: the hand-written clamped logs gave NaN there (log's inf times the
    clamp's 0), and HCPN's synthetic run diverged on it."""
    p1 = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.3]).requires_grad_()
    p2 = p1.detach().clone().requires_grad_()
    y = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0])
    w = torch.tensor([1.0, 2.0, 1.0, 3.0, 1.5])
    loss = weighted_bce(p1, y, w)
    loss.backward()
    F.binary_cross_entropy(p2, y, weight=w).backward()
    assert torch.isfinite(p1.grad).all(), p1.grad
    torch.testing.assert_close(loss, F.binary_cross_entropy(p2.detach(), y, weight=w))
    torch.testing.assert_close(p1.grad, p2.grad)
    assert p1.grad[0] == 0 and p1.grad[1] == 0   # right and saturated: nothing to learn


def test_weighted_bce_runs_in_half_precision():
    p = torch.tensor([0.2, 0.9], dtype=torch.bfloat16)
    y = torch.tensor([0.0, 1.0], dtype=torch.bfloat16)
    ref = F.binary_cross_entropy(p.float(), y.float())
    torch.testing.assert_close(weighted_bce(p, y), ref)
