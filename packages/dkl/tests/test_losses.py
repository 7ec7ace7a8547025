"""The DKL / IKL losses: the KL identity, an explicit loop, O(C) == O(C^2), the GI prior."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from dkl.models.losses import ClassPrior, IKLLoss, ikl_loss, ikl_loss_naive


def _logits(b=5, c=7, seed=0, scale=3.0):
    g = torch.Generator().manual_seed(seed)
    # peaked, non-uniform: a per-class offset plus a large spread
    offset = torch.linspace(-2, 2, c)
    o_m = (scale * torch.randn(b, c, generator=g, dtype=torch.float64) + offset)
    o_n = (scale * torch.randn(b, c, generator=g, dtype=torch.float64) - offset)
    return o_m.requires_grad_(), o_n.requires_grad_()


def _grads(loss, *xs):
    return torch.autograd.grad(loss, xs)


def test_dkl_has_the_gradients_of_kl():
    """Card 6a: alpha = beta = 1, T = 1, w = s_m (x) s_m, o_n detached in the wMSE."""
    o_m, o_n = _logits()
    ours = ikl_loss(o_m, o_n, 1.0, 1.0, 1.0, weight_temperature=1.0, break_asymmetry=False)
    kl = F.kl_div(F.log_softmax(o_n, 1), F.softmax(o_m, 1), reduction='batchmean')
    g_ours, g_kl = _grads(ours, o_m, o_n), _grads(kl, o_m, o_n)
    assert g_kl[0].abs().max() > 1e-2 and g_kl[1].abs().max() > 1e-2   # not trivially zero
    for a, b in zip(g_ours, g_kl):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-10)


def test_ikl_breaks_the_asymmetry():
    """IKL's wMSE sends a gradient to o_n too, DKL's does not: they differ on o_n only."""
    o_m, o_n = _logits(seed=1)
    g_ikl = _grads(ikl_loss(o_m, o_n, 1.0, 1.0), o_m, o_n)
    g_dkl = _grads(ikl_loss(o_m, o_n, 1.0, 1.0, break_asymmetry=False), o_m, o_n)
    torch.testing.assert_close(g_ikl[0], g_dkl[0], atol=1e-12, rtol=0)
    assert (g_ikl[1] - g_dkl[1]).abs().max() > 1e-2
    # the wMSE's o_n gradient is minus its o_m gradient (it depends on o_m - o_n only)
    g_mse = _grads(ikl_loss(o_m, o_n, 0.0, 1.0), o_m, o_n)
    torch.testing.assert_close(g_mse[1], -g_mse[0], atol=1e-12, rtol=0)


def _loop(o_m, o_n, alpha, beta, temperature, v):
    """The IKL formula with plain Python loops (float64)."""
    b, c = o_m.shape
    mse = 0.0
    for i in range(b):
        for j in range(c):
            for k in range(c):
                d = (o_m[i, j] - o_m[i, k]) - (o_n[i, j] - o_n[i, k])
                mse += v[i, j] * v[i, k] * d * d
    mse = 0.25 * mse / b
    sce = 0.0
    for i in range(b):
        t = np.exp(o_m[i] / temperature - np.max(o_m[i] / temperature))
        t /= t.sum()
        z = o_n[i] / temperature
        logp = z - np.max(z) - np.log(np.exp(z - np.max(z)).sum())
        sce -= (t * logp).sum()
    return beta * mse + alpha * sce / b


@pytest.mark.parametrize('gi', [False, True])
def test_ikl_matches_an_explicit_loop(gi):
    o_m, o_n = _logits(b=4, c=6, seed=2)
    labels = torch.tensor([0, 3, 3, 5])
    prior = torch.softmax(torch.randn(6, 6, generator=torch.Generator().manual_seed(3),
                                      dtype=torch.float64) * 2, 1)
    kwargs = dict(class_prior=prior, labels=labels) if gi else dict(weight_temperature=2.5)
    ours = ikl_loss(o_m, o_n, 4.0, 20.0, 4.0, **kwargs)
    m, n = o_m.detach().numpy(), o_n.detach().numpy()
    if gi:
        v = prior.numpy()[labels.numpy()]
    else:
        e = np.exp(m / 2.5 - (m / 2.5).max(1, keepdims=True))
        v = e / e.sum(1, keepdims=True)
    ours = ours.item()
    assert abs(ours - _loop(m, n, 4.0, 20.0, 4.0, v)) < 1e-9 * abs(ours)


@pytest.mark.parametrize('asym', [True, False])
def test_rank1_form_equals_naive_form(asym):
    o_m, o_n = _logits(b=6, c=50, seed=4, scale=5.0)
    labels = torch.arange(6) % 50
    prior = torch.softmax(torch.randn(50, 50, dtype=torch.float64) * 3, 1)
    for kwargs in (dict(weight_temperature=1.0), dict(class_prior=prior, labels=labels)):
        fast = ikl_loss(o_m, o_n, 1.0, 8.0, 4.0, break_asymmetry=asym, **kwargs)
        slow = ikl_loss_naive(o_m, o_n, 1.0, 8.0, 4.0, break_asymmetry=asym, **kwargs)
        torch.testing.assert_close(fast, slow, atol=0, rtol=1e-12)
        for a, b in zip(_grads(fast, o_m, o_n), _grads(slow, o_m, o_n)):
            torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-10)


def test_rank1_form_in_float32_at_imagenet_scale():
    """float32, C = 1000, logits ~ 10: the centred rank-1 form stays within 1e-4 of float64."""
    g = torch.Generator().manual_seed(5)
    o_m, o_n = 10 * torch.randn(8, 1000, generator=g), 10 * torch.randn(8, 1000, generator=g)
    ref = ikl_loss(o_m.double(), o_n.double(), 1.0, 1.0, weight_temperature=3.0)
    ours = ikl_loss(o_m, o_n, 1.0, 1.0, weight_temperature=3.0)
    assert abs(float(ours) - float(ref)) < 1e-4 * float(ref)


def test_class_prior_matches_numpy():
    rng = np.random.default_rng(0)
    c = 5
    prior = ClassPrior(c)
    np.testing.assert_allclose(prior.prior.numpy(), np.full((c, c), 1 / c))   # first epoch
    epochs = []
    for _ in range(2):
        sums = np.zeros((c, c))
        for _ in range(3):
            labels = rng.integers(0, c - 1, 8)          # class c-1 never seen
            probs = rng.dirichlet(np.ones(c) * 0.3, 8)
            prior.update(torch.from_numpy(labels), torch.from_numpy(probs))
            for y, p in zip(labels, probs):
                sums[y] += p
        before = prior.prior.numpy().copy()
        prior.end_epoch()
        expected = before.copy()
        seen = sums.sum(1) > 0
        expected[seen] = sums[seen] / sums[seen].sum(1, keepdims=True)
        np.testing.assert_allclose(prior.prior.numpy(), expected, rtol=1e-6)
        epochs.append(expected)
    assert np.abs(epochs[0] - epochs[1]).max() > 1e-2       # it follows each epoch
    np.testing.assert_allclose(prior.prior.numpy()[c - 1], np.full(c, 1 / c))  # kept, no NaN
    assert float(prior.running.abs().sum()) == 0


def test_loss_module_and_its_errors():
    o_m, o_n = _logits(seed=6)
    module = IKLLoss(alpha=2.0, beta=3.0, temperature=2.0, weight_temperature=5.0,
                     loss_weight=0.5)
    expected = 0.5 * ikl_loss(o_m, o_n, 2.0, 3.0, 2.0, weight_temperature=5.0)
    torch.testing.assert_close(module(o_m, o_n), expected)
    with pytest.raises(ValueError, match='class prior'):
        IKLLoss(use_gi=True)(o_m, o_n, labels=torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match='same shape'):
        ikl_loss(o_m, o_n[:, :3])
    with pytest.raises(ValueError, match='temperatures'):
        IKLLoss(temperature=0)
