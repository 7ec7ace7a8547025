"""Tests of the masked supervised-contrastive core (cvshared.ops.supcon)."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from cvshared.ops.supcon import (
    chunked_masked_supcon,
    cosine_similarity,
    masked_supcon,
    masked_supcon_reference,
    not_self_mask,
    supcon_label_masks,
)


def _data(m=7, n=11, d=5, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    z = F.normalize(torch.randn(n, d, generator=g, dtype=dtype), dim=1)
    idx = torch.randperm(n, generator=g)[:m]
    # weighted positives (HP: ag + lambda * sp), some positives outside the denominator (HP's
    # task-specific ones), one anchor without positives, one with an empty denominator
    w = (torch.rand(m, n, generator=g) < 0.35).to(dtype) + 0.4 * (torch.rand(m, n, generator=g)
                                                                  < 0.3).to(dtype)
    keep = torch.rand(m, n, generator=g) < 0.6
    w[1] = 0
    keep[2] = False
    other = not_self_mask(idx, n)
    return z, idx, w * other, keep & other


def _brute(z, idx, w, keep, tau, tau_b):
    """Loop over anchors and pairs in NumPy (float64): the formula of the module docstring."""
    z, w, keep = z.numpy(), w.numpy(), keep.numpy()
    out, valid = [], []
    for r, i in enumerate(idx.tolist()):
        logits = [float(z[i] @ z[j]) / tau for j in range(len(z))]
        kept = [math.exp(v) for v, k in zip(logits, keep[r]) if k]
        if w[r].sum() == 0 or not kept:
            out.append(0.0)
            valid.append(False)
            continue
        lse = math.log(sum(kept))
        s = sum(w[r, j] * (logits[j] - lse) for j in range(len(z)))
        out.append(-(tau / tau_b) * s / w[r].sum())
        valid.append(True)
    return np.array(out), np.array(valid)


def test_forward_matches_a_loop_over_pairs():
    z, idx, w, keep = _data()
    loss, valid = masked_supcon(z[idx], z, w, keep, temperature=0.8, base_temperature=0.07)
    ref, ref_valid = _brute(z, idx, w, keep, 0.8, 0.07)
    assert valid.tolist() == ref_valid.tolist() == [True, False, False, True, True, True, True]
    np.testing.assert_allclose(loss.numpy(), ref, rtol=1e-12, atol=1e-12)
    assert loss[valid].abs().min() > 0.1            # the valid losses are not trivial


@pytest.mark.parametrize('save_probabilities', [False, True])
def test_gradients_match_autograd_of_the_plain_formula(save_probabilities):
    z, idx, w, keep = _data(seed=3)
    coef = torch.linspace(0.5, 2.0, len(idx), dtype=torch.float64)     # a non-uniform upstream
    z1 = z.clone().requires_grad_()
    loss, valid = masked_supcon(z1[idx], z1, w, keep, 0.4,
                                save_probabilities=save_probabilities)
    (loss * coef).sum().backward()
    z2 = z.clone().requires_grad_()
    ref, ref_valid = masked_supcon_reference(z2[idx], z2, w, keep, 0.4)
    (ref * coef).sum().backward()
    assert torch.equal(valid, ref_valid)
    torch.testing.assert_close(loss, ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(z1.grad, z2.grad, rtol=1e-10, atol=1e-12)
    assert z1.grad.abs().sum() > 0.1 and torch.isfinite(z1.grad).all()


def test_gradcheck_with_separate_anchor_and_contrast_tensors():
    z, idx, w, keep = _data(m=4, n=6, d=3, seed=5)
    a = z[idx].clone().requires_grad_()
    c = z.clone().requires_grad_()

    def f(a, c):
        return masked_supcon(a, c, w[:4], keep[:4], 0.5, 0.25)[0]

    assert torch.autograd.gradcheck(f, (a, c))


def test_invalid_anchors_take_no_gradient():
    z, idx, w, keep = _data(seed=1)
    z1 = z.clone().requires_grad_()
    loss, valid = masked_supcon(z1[idx], z1, w, keep, 0.8)
    grad_anchor = torch.autograd.grad(loss.sum(), z1)[0]
    z2 = z.clone().requires_grad_()
    loss2, _ = masked_supcon(z2[idx[valid]], z2, w[valid], keep[valid], 0.8)
    grad_valid_only = torch.autograd.grad(loss2.sum(), z2)[0]
    assert loss[~valid].eq(0).all()
    torch.testing.assert_close(grad_anchor, grad_valid_only, rtol=1e-12, atol=1e-12)


def test_label_masks_reduce_to_pytorch_metric_learning_supcon():
    from pytorch_metric_learning.losses import SupConLoss
    g = torch.Generator().manual_seed(0)
    z = F.normalize(torch.randn(40, 8, generator=g, dtype=torch.float64), dim=1)
    labels = torch.randint(0, 5, (40,), generator=g)
    labels[0] = 99                                   # a class of one: no positive
    w, keep = supcon_label_masks(labels, labels, torch.arange(40))
    tau = 0.1
    loss, valid = masked_supcon(z, z, w, keep, tau, base_temperature=tau)
    ours = loss[valid].mean()
    theirs = SupConLoss(temperature=tau)(z, labels)
    assert not valid[0] and valid[1:].all()
    torch.testing.assert_close(ours, theirs.to(ours.dtype), rtol=1e-9, atol=1e-9)
    # and the base temperature scales the loss by tau / tau_b, as in both papers
    loss2, _ = masked_supcon(z, z, w, keep, tau, base_temperature=0.07)
    torch.testing.assert_close(loss2[valid].mean(), ours * tau / 0.07)


@pytest.mark.parametrize('chunk', [1, 3, 7, 100])
def test_chunked_equals_one_chunk(chunk):
    z, idx, w, keep = _data(m=10, n=13, seed=7)
    z1 = z.clone().requires_grad_()
    full, fv = masked_supcon(z1[idx], z1, w, keep, 0.6)
    g1 = torch.autograd.grad(full.sum(), z1)[0]
    z2 = z.clone().requires_grad_()
    calls = []

    def masks(start, stop):
        calls.append((start, stop))
        return w[start:stop], keep[start:stop]

    part, pv = chunked_masked_supcon(z2[idx], z2, masks, 0.6, chunk_size=chunk)
    g2 = torch.autograd.grad(part.sum(), z2)[0]
    assert calls[0] == (0, min(chunk, 10)) and calls[-1][1] == 10
    assert len(calls) == math.ceil(10 / chunk)
    assert torch.equal(fv, pv)
    torch.testing.assert_close(part, full, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(g2, g1, rtol=1e-12, atol=1e-12)


def test_the_graph_keeps_masks_and_one_value_per_anchor_not_the_logits():
    m, n, d = 64, 200, 16
    z = F.normalize(torch.randn(n, d), dim=1).requires_grad_()
    w = torch.rand(m, n) < 0.2
    keep = torch.rand(m, n) < 0.5
    saved = []

    def pack(t):
        saved.append(t)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss, _ = masked_supcon(z[:m], z, w, keep, 0.5)
    float_mn = [t for t in saved if t.is_floating_point() and t.numel() >= m * n]
    assert float_mn == []
    assert {tuple(t.shape) for t in saved if t.dtype == torch.bool} >= {(m, n)}
    # the plain formula keeps [M, N] float tensors: the check above can fail
    saved.clear()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        masked_supcon_reference(z[:m], z, w, keep, 0.5)
    assert any(t.is_floating_point() and t.numel() >= m * n for t in saved)
    # save_probabilities: the [M, N] probabilities instead of the keep-mask
    saved.clear()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        masked_supcon(z[:m], z, w, keep, 0.5, save_probabilities=True)
    assert [tuple(t.shape) for t in saved if t.is_floating_point() and t.numel() >= m * n] == [
        (m, n)]


def test_cosine_similarity_and_masks():
    a = torch.tensor([[3.0, 4.0], [0.0, 2.0]])
    b = torch.tensor([[1.0, 0.0], [0.0, -5.0], [1.0, 1.0]])
    expected = torch.tensor([[0.6, -0.8, 0.7 * math.sqrt(2)], [0.0, -1.0, math.sqrt(0.5)]])
    torch.testing.assert_close(cosine_similarity(a, b), expected)
    torch.testing.assert_close(cosine_similarity(a), torch.tensor([[1.0, 0.8], [0.8, 1.0]]))
    assert not_self_mask(torch.tensor([2, 0]), 3).tolist() == [[True, True, False],
                                                               [False, True, True]]
    w, keep = supcon_label_masks(torch.tensor([0, 1]), torch.tensor([0, 1, 0]),
                                 torch.tensor([0, 1]))
    assert w.tolist() == [[False, False, True], [False, False, False]]
    assert keep.tolist() == [[False, True, True], [True, False, True]]


def test_bad_input():
    z = torch.randn(5, 4)
    with pytest.raises(ValueError, match=r'\[M, N\] = \[5, 5\]'):
        masked_supcon(z, z, torch.ones(5, 4), torch.ones(5, 5), 0.5)
    with pytest.raises(ValueError, match='contrast'):
        masked_supcon(z, torch.randn(5, 3), torch.ones(5, 5), torch.ones(5, 5), 0.5)
    with pytest.raises(ValueError, match='temperature'):
        masked_supcon(z, z, torch.ones(5, 5), torch.ones(5, 5), 0.0)
    with pytest.raises(ValueError, match=r'\[0, 3\)'):
        not_self_mask(torch.tensor([3]), 3)
    with pytest.raises(ValueError, match='chunk_size'):
        chunked_masked_supcon(z, z, lambda a, b: (None, None), 0.5, chunk_size=0)
