"""Tests of the perturbed-maximum differentiable top-K (cvshared.ops.topk)."""
import math
from pathlib import Path

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from cvshared.ops.topk import (
    PerturbedTopK,
    gather_by_indicator,
    gather_by_indices,
    hard_topk_indicator,
    hard_topk_indices,
    linear_sigma_decay,
    perturbed_topk,
)

DATA = Path(__file__).resolve().parents[1] / 'data' / 'ops'


def brute_force(x, k, n, sigma, g, seed):
    """Loop reference over samples: smoothed indicator and both gradient estimators of g . Y."""
    torch.manual_seed(seed)
    b, d = x.shape
    noise = torch.randn(b, n, d, dtype=x.dtype)
    ind = torch.zeros(b, k, d, dtype=torch.float64)
    full = torch.zeros(b, d, dtype=torch.float64)
    diag = torch.zeros(b, d, dtype=torch.float64)
    for bi in range(b):
        for ni in range(n):
            z = noise[bi, ni].double()
            sel = sorted(torch.topk(x[bi] + noise[bi, ni] * sigma, k).indices.tolist())
            for kk, dd in enumerate(sel):
                ind[bi, kk, dd] += 1.0 / n
                full[bi] += g[bi, kk, dd].double() * z / (n * sigma)
                diag[bi, dd] += g[bi, kk, dd].double() * z[dd] / (n * sigma)
    return ind, full, diag


@pytest.mark.parametrize('grad', ['full', 'diag'])
def test_matches_brute_force_loop(grad):
    gen = torch.Generator().manual_seed(3)
    x = torch.rand(3, 6, generator=gen)
    g = torch.randn(3, 4, 6, generator=gen)
    ind_ref, full_ref, diag_ref = brute_force(x, 4, 64, 0.2, g, seed=11)
    xr = x.clone().requires_grad_(True)
    torch.manual_seed(11)
    ind = perturbed_topk(xr, 4, num_samples=64, sigma=0.2, grad=grad)
    ind.backward(g)
    # Same noise samples: counts are exact; gradients differ only by float32 summation order.
    torch.testing.assert_close(ind.double(), ind_ref, atol=1e-6, rtol=0)
    ref = full_ref if grad == 'full' else diag_ref
    torch.testing.assert_close(xr.grad.double(), ref, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize('name', ['tpool', 'anchor'])
@pytest.mark.parametrize('grad', ['full', 'diag'])
def test_golden_official(name, grad):
    """Golden tensors from the official STTS PerturbedTopKFunction (see PROVENANCE_topk.md)."""
    gold = load_checkpoint_file(DATA / f'topk_{name}.pt')
    x = gold['x'].clone().requires_grad_(True)
    torch.manual_seed(gold['seed'])  # official draws its noise from the global RNG, as we do
    ind = perturbed_topk(x, gold['k'], gold['num_samples'], gold['sigma'], grad=grad)
    ind.backward(gold['g'])
    # Identical noise, so the counts agree exactly (atol one float32 ulp of 1/n sums).
    torch.testing.assert_close(ind.detach(), gold['indicator'], atol=1e-6, rtol=0)
    # Gradients: same terms, different summation order -> float32 rounding only.
    torch.testing.assert_close(x.grad, gold[f'grad_{grad}'], atol=1e-4, rtol=1e-4)


def test_rows_sum_to_one_and_in_unit_interval():
    x = torch.randn(5, 16)
    ind = perturbed_topk(x, 7, num_samples=100, sigma=0.5)
    assert ind.shape == (5, 7, 16)
    torch.testing.assert_close(ind.sum(-1), torch.ones(5, 7))
    # every candidate is selected at most once per sample: column sums are frequencies <= 1
    assert (ind.sum(1) <= 1 + 1e-6).all() and (ind >= 0).all()
    torch.testing.assert_close(ind.sum((1, 2)), torch.full((5, ), 7.0))


def test_sigma_to_zero_is_hard_topk():
    x = torch.tensor([[0.1, 0.9, 0.3, 0.7, 0.5], [1.0, 0.0, 0.2, 0.8, 0.4]], requires_grad=True)
    hard = hard_topk_indicator(x.detach(), 3)
    assert hard_topk_indices(x.detach(), 3).tolist() == [[1, 3, 4], [0, 3, 4]]  # ascending
    for sigma in (1e-6, 0.0):
        ind = perturbed_topk(x, 3, num_samples=50, sigma=sigma)
        assert torch.equal(ind.detach(), hard)
    ind.sum().backward()  # sigma == 0: zero gradient, as in STTS at the end of the schedule
    assert torch.equal(x.grad, torch.zeros_like(x))


def test_analytic_d2_oracle():
    """d = 2, K = 1: P(select 0) = Phi((x0 - x1) / (sigma sqrt 2)); full grad = its derivative."""
    sigma, n = 0.5, 200_000
    x = torch.tensor([[0.3, 0.1]], dtype=torch.float64, requires_grad=True)
    u = (0.3 - 0.1) / (sigma * math.sqrt(2))
    p = 0.5 * (1 + math.erf(u / math.sqrt(2)))
    dp = math.exp(-u * u / 2) / math.sqrt(2 * math.pi) / (sigma * math.sqrt(2))
    g = torch.tensor([[[1.0, 0.0]]], dtype=torch.float64)  # loss = Y[0, 0] = P(select 0)
    grads = {}
    for mode in ('full', 'diag'):
        x.grad = None
        ind = perturbed_topk(x, 1, n, sigma, grad=mode, generator=torch.Generator().manual_seed(0))
        # MC std of a frequency: sqrt(p (1-p) / n) ~ 1.1e-3; 5 std
        assert abs(ind[0, 0, 0].item() - p) < 6e-3
        ind.backward(g)
        grads[mode] = x.grad[0].tolist()
    # gradient estimator std ~ 1 / (sigma sqrt n) = 4.5e-3; 5 std
    assert abs(grads['full'][0] - dp) < 0.025 and abs(grads['full'][1] + dp) < 0.025
    # The diagonal estimator gets dY00/dx0 right and drops the cross term dY00/dx1 = -dp.
    assert abs(grads['diag'][0] - dp) < 0.025 and grads['diag'][1] == 0.0


def test_full_estimator_matches_finite_difference():
    """grad='full' agrees with central differences of the smoothed function; 'diag' does not."""
    sigma, n, h, k = 0.5, 200_000, 0.05, 2
    x0 = torch.tensor([[0.2, 0.5, 0.1, 0.4]], dtype=torch.float64)
    g = torch.tensor([[[1.0, -0.5, 0.3, 0.8], [0.2, 0.7, -1.0, 0.4]]], dtype=torch.float64)

    def loss(x):  # common random numbers: every evaluation uses the same noise
        return (perturbed_topk(x, k, n, sigma, generator=torch.Generator().manual_seed(5))
                * g).sum()

    fd = torch.tensor([(loss(x0 + h * e) - loss(x0 - h * e)).item() / (2 * h)
                       for e in torch.eye(4, dtype=torch.float64)[:, None, :]], dtype=torch.float64)
    est = {}
    for mode in ('full', 'diag'):
        x = x0.clone().requires_grad_(True)
        (perturbed_topk(x, k, n, sigma, grad=mode, generator=torch.Generator().manual_seed(6))
         * g).sum().backward()
        est[mode] = x.grad[0]
    # FD noise ~ sqrt(2 h p / n) |g| / (2 h) ~ 0.02 and estimator noise ~ 0.01, bias O(h^2): 0.08
    torch.testing.assert_close(est['full'], fd, atol=0.08, rtol=0)
    assert (est['diag'] - fd).abs().max() > 0.2  # the two estimators differ (card: verified)


def test_gather_helpers_agree():
    x = torch.randn(2, 6, 3, 4)
    idx = torch.tensor([[0, 2, 5], [1, 3, 4]])
    one_hot = torch.nn.functional.one_hot(idx, 6).float()
    torch.testing.assert_close(gather_by_indicator(x, one_hot), gather_by_indices(x, idx))
    assert torch.equal(gather_by_indices(x, idx)[1, 2], x[1, 4])
    with pytest.raises(ValueError, match='does not match'):
        gather_by_indicator(x, one_hot[:, :, :5])


def test_module_train_eval_and_errors():
    m = PerturbedTopK(k=2, num_samples=20, sigma=0.1)
    x = torch.tensor([[0.0, 3.0, 1.0, 2.0]])
    soft = m.train()(x * 0)  # tied scores: the noise spreads the selection (not one-hot)
    assert ((soft > 0) & (soft < 1)).any()
    assert torch.equal(m.eval()(x), hard_topk_indicator(x, 2))
    with pytest.raises(ValueError, match='1 <= k <= d'):
        perturbed_topk(x, 5)
    with pytest.raises(ValueError, match='grad must be'):
        perturbed_topk(x, 1, grad='approx')
    with pytest.raises(ValueError, match=r'\(B, d\)'):
        hard_topk_indices(x[0], 1)


def test_defaults_are_the_official_stts_values():
    """grad 'diag' (the only official estimator), sigma 0.05 (official PerturbedTopKFunction,
    MVIT.SIGMA and VideoSwin defaults), 500 samples (official PatchNet); every layer agrees."""
    import inspect

    from cvshared.ops import topk
    assert (topk.DEFAULT_GRAD, topk.DEFAULT_SIGMA, topk.DEFAULT_NUM_SAMPLES) == ('diag', 0.05, 500)
    for fn in (perturbed_topk, PerturbedTopK.__init__):
        params = inspect.signature(fn).parameters
        assert params['grad'].default == 'diag', fn
        assert params['sigma'].default == 0.05, fn
        assert params['num_samples'].default == 500, fn
    assert PerturbedTopK(k=1).grad == 'diag'
    # the default really is the diagonal estimator: same gradient as grad='diag' explicitly
    x = torch.tensor([[0.3, 0.1, 0.5]], requires_grad=True)
    g = torch.tensor([[[1.0, -2.0, 0.5]]])
    grads = []
    for kw in ({}, {'grad': 'diag'}, {'grad': 'full'}):
        x.grad = None
        perturbed_topk(x, 1, 200, 0.2, generator=torch.Generator().manual_seed(0), **kw).backward(g)
        grads.append(x.grad.clone())
    assert torch.equal(grads[0], grads[1]) and not torch.allclose(grads[0], grads[2])


def test_linear_sigma_decay():
    assert linear_sigma_decay(0.1, 0, 100) == 0.1
    assert math.isclose(linear_sigma_decay(0.1, 25, 100), 0.075)
    assert linear_sigma_decay(0.1, 100, 100) == 0.0
    assert linear_sigma_decay(0.1, 150, 100) == 0.0
