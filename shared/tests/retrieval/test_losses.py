"""ProxyAnchorLoss against pytorch-metric-learning's ProxyAnchorLoss (proxies copied) and a
float64 literal loop of the card's formula; PMLLoss wrapper against the PML call."""
import math

import pytest
import torch
from cvshared.retrieval import PMLLoss, ProxyAnchorLoss, masked_log1p_sum_exp

pml_losses = pytest.importorskip('pytorch_metric_learning.losses')


def _inputs(seed, b=24, d=16, c=7, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    x = (torch.randn(b, d, generator=g) * scale).requires_grad_(True)
    y = torch.randint(0, c, (b,), generator=g)
    p = torch.randn(c, d, generator=g).requires_grad_(True)
    return x, y, p


def _literal(x, y, p, alpha, delta):
    """The card's formula, loops over proxies and samples, float64."""
    x = torch.nn.functional.normalize(x.detach().double(), dim=1)
    p = torch.nn.functional.normalize(p.detach().double(), dim=1)
    s = x @ p.t()
    c = p.shape[0]
    pos, neg, n_pos = 0.0, 0.0, 0
    for j in range(c):
        members = [i for i in range(len(y)) if int(y[i]) == j]
        if members:
            n_pos += 1
            pos += math.log1p(sum(math.exp(-alpha * (s[i, j] - delta)) for i in members))
        neg += math.log1p(sum(math.exp(alpha * (s[i, j] + delta))
                              for i in range(len(y)) if int(y[i]) != j))
    return pos / n_pos + neg / c


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
@pytest.mark.parametrize('seed,alpha,delta', [(0, 32, 0.1), (1, 64, 0.1), (2, 32, 0.3)])
def test_equals_pml_value_and_gradients(seed, alpha, delta, dtype):
    x, y, p = _inputs(seed)
    x = x.detach().to(dtype).requires_grad_(True)
    p = p.detach().to(dtype).requires_grad_(True)
    ref = pml_losses.ProxyAnchorLoss(num_classes=p.shape[0], embedding_size=p.shape[1],
                                     margin=delta, alpha=alpha)
    with torch.no_grad():
        ref.proxies.data = p.detach().clone()
    x_ref = x.detach().clone().requires_grad_(True)
    ours = ProxyAnchorLoss(alpha=alpha, delta=delta)(x, y, p)
    theirs = ref(x_ref, y)
    ours.backward()
    theirs.backward()
    # float64: the same function to rounding; float32: rounding of two summation orders
    # (gradients up to ~1; measured max 1.7e-6)
    tol = dict(rtol=1e-9, atol=1e-12) if dtype == torch.float64 else dict(rtol=1e-4, atol=5e-6)
    assert ours.item() == pytest.approx(theirs.item(), rel=tol['rtol'], abs=tol['atol'])
    torch.testing.assert_close(x.grad, x_ref.grad, **tol)
    torch.testing.assert_close(p.grad, ref.proxies.grad, **tol)


def test_equals_literal_formula_with_absent_classes():
    x, y, p = _inputs(3, b=10, c=9)  # 10 samples over 9 classes: some proxies have no positive
    assert len(set(y.tolist())) < 9
    ours = ProxyAnchorLoss(alpha=32, delta=0.1)(x.double(), y, p.double())
    assert ours.item() == pytest.approx(_literal(x, y, p, 32, 0.1), rel=1e-10)


def test_stable_in_half_precision_where_the_official_exp_overflows():
    # alpha 64: exp(64 * 1.1) ~ 3e30 overflows float16 (max 65504); ours stays finite and
    # within the half-precision rounding of the float32 value
    x, y, p = _inputs(4)
    assert torch.isinf(torch.exp(torch.tensor(64 * 1.1, dtype=torch.float16)))
    want = ProxyAnchorLoss(alpha=64)(x.detach(), y, p.detach()).item()
    for dtype in (torch.float16, torch.bfloat16):
        xh = x.detach().to(dtype).requires_grad_(True)
        loss = ProxyAnchorLoss(alpha=64)(xh, y, p.detach().to(dtype))
        loss.backward()
        assert torch.isfinite(xh.grad).all()
        assert loss.item() == pytest.approx(want, rel=2e-2)
    big = masked_log1p_sum_exp(torch.tensor([[1000.0], [999.0]]), torch.ones(2, 1, dtype=bool))
    assert big.item() == pytest.approx(1000 + math.log1p(math.exp(-1)), rel=1e-6)


def test_masked_entries_get_no_gradient():
    logits = torch.randn(5, 3, requires_grad=True)
    mask = torch.rand(5, 3) > 0.5
    mask[:, 0] = False  # an empty column gives log 1 = 0
    out = masked_log1p_sum_exp(logits, mask, dim=0)
    assert out[0].item() == 0.0
    out.sum().backward()
    assert (logits.grad[~mask] == 0).all()
    assert (logits.grad[mask] > 0).all()


def test_bad_inputs_are_clear_errors():
    x, y, p = _inputs(0, c=4)
    with pytest.raises(ValueError, match='needs proxies'):
        ProxyAnchorLoss()(x, y)
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 4\)'):
        ProxyAnchorLoss()(x, y + 4, p)
    with pytest.raises(ValueError, match='share D'):
        ProxyAnchorLoss()(x, y, p[:, :3])


def test_pml_wrapper_is_the_pml_loss_times_weight():
    x, y, _ = _inputs(5)
    wrapped = PMLLoss('MultiSimilarityLoss', dict(alpha=2, beta=50, base=0.5),
                      miner='MultiSimilarityMiner', miner_cfg=dict(epsilon=0.1), loss_weight=0.5)
    from pytorch_metric_learning import miners
    ref = pml_losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5)
    mined = miners.MultiSimilarityMiner(epsilon=0.1)(x, y)
    assert wrapped(x, y).item() == pytest.approx(0.5 * ref(x, y, mined).item(), rel=1e-6)
    assert wrapped.loss_name == 'multi_similarity'
    with pytest.raises(ValueError, match='has no'):
        PMLLoss('NoSuchLoss')
