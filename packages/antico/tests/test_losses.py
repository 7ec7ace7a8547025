"""The coding rate R and the anti-collapse loss L_AC against independent references (NumPy
slogdet, the MCR^2 definition, Sylvester's identity) and the properties the paper states."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F


def _loss(**kwargs):
    from antico.models.losses import AntiCoLoss
    return AntiCoLoss(**kwargs)


def _numpy_rate(z, scale, gamma1=1.0):
    """1/2 log det(I_d + gamma1 * scale * Z^T Z) with NumPy's slogdet in float64."""
    z = np.asarray(z, np.float64)
    sign, logdet = np.linalg.slogdet(np.eye(z.shape[1]) + gamma1 * scale * z.T @ z)
    assert sign > 0
    return 0.5 * logdet


def _mcr2_expansion(w, eps):
    """The MCR^2 expansion term as Yu et al. (2020) define it, for W = Z^T (d x m columns):
    1/2 log det(I + d / (m eps) W W^T), written from the paper's equation in float64."""
    d, m = w.shape
    return 0.5 * np.log(np.linalg.det(np.eye(d) + d / (m * eps) * w @ w.T))


@pytest.mark.parametrize('n,d', [(6, 16), (24, 8), (8, 8)])
def test_coding_rate_equals_numpy_slogdet(n, d):
    from antico.models.losses import coding_rate
    z = torch.randn(n, d, generator=torch.Generator().manual_seed(n + d))
    for scale in (0.3, d / (n * 0.5), n / (d * 0.5)):
        ours = float(coding_rate(z.double(), gamma1=1.7, scale=scale))
        assert ours == pytest.approx(_numpy_rate(z.numpy(), scale, gamma1=1.7), rel=1e-10)


def test_pair_mode_is_the_mcr2_expansion_term():
    z = F.normalize(torch.randn(10, 32, generator=torch.Generator().manual_seed(0)), dim=1)
    loss = _loss(mode='pair', eps=0.5)
    rate = float(loss.coding_rate(z.double(), torch.arange(10)))
    reference = _mcr2_expansion(z.double().numpy().T, eps=0.5)
    assert rate == pytest.approx(reference, rel=1e-10)
    assert float(loss(z.double(), torch.arange(10))) == pytest.approx(np.exp(-reference), rel=1e-9)


def test_sylvester_identity_gram_and_feature_forms_agree():
    """det(I_n + s Z Z^T) = det(I_d + s Z^T Z): the n x n Gram form the official code builds and
    the d x d form we factor when it is smaller give the same R (equal scale factors)."""
    z = torch.randn(30, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    s = 0.37
    gram = 0.5 * torch.logdet(torch.eye(30, dtype=z.dtype) + s * z @ z.T)
    feature = 0.5 * torch.logdet(torch.eye(6, dtype=z.dtype) + s * z.T @ z)
    from antico.models.losses import coding_rate
    torch.testing.assert_close(gram, feature, rtol=1e-12, atol=0)
    torch.testing.assert_close(coding_rate(z, scale=s), gram, rtol=1e-12, atol=0)


def test_official_scale_is_swapped_and_standard_is_mcr2():
    """The proxy modes' 'official' factor is n / (d eps), 'standard' is d / (n eps)."""
    gen = torch.Generator().manual_seed(2)
    proxies = torch.randn(12, 20, dtype=torch.float64, generator=gen)
    labels = torch.tensor([0, 0, 3, 3, 5, 5])
    p = F.normalize(proxies[[0, 3, 5]], dim=1).numpy()
    official = _loss(mode='batch_proxy', scale='official').coding_rate(None, labels, proxies)
    standard = _loss(mode='batch_proxy', scale='standard').coding_rate(None, labels, proxies)
    assert float(official) == pytest.approx(_numpy_rate(p, 3 / (20 * 0.5)), rel=1e-10)
    assert float(standard) == pytest.approx(_numpy_rate(p, 20 / (3 * 0.5)), rel=1e-10)
    assert float(standard) > float(official) + 1.0   # the option changes the value


def test_proxy_modes_send_no_gradient_to_the_embeddings():
    gen = torch.Generator().manual_seed(3)
    z = torch.randn(8, 16, generator=gen, requires_grad=True)
    proxies = torch.randn(6, 16, generator=gen, requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1, 4, 4, 5, 5])
    for mode in ('batch_proxy', 'all_proxy'):
        z.grad = proxies.grad = None
        loss = _loss(mode=mode)(z, labels, proxies)
        loss.backward()
        assert z.grad is None or float(z.grad.abs().max()) == 0.0
        assert float(proxies.grad.abs().max()) > 1e-6
    z.grad = None
    _loss(mode='pair')(F.normalize(z, dim=1), labels).backward()
    assert float(z.grad.abs().max()) > 1e-6   # the pair mode does reach the embeddings


def test_batch_proxy_uses_only_the_classes_in_the_batch():
    gen = torch.Generator().manual_seed(4)
    proxies = torch.randn(6, 16, generator=gen)
    labels = torch.tensor([1, 1, 2, 2])
    loss = _loss(mode='batch_proxy')
    base = float(loss(torch.zeros(4, 16), labels, proxies))
    moved_absent, moved_present = proxies.clone(), proxies.clone()
    moved_absent[0] = torch.randn(16, generator=gen)
    moved_present[2] = torch.randn(16, generator=gen)
    assert float(loss(torch.zeros(4, 16), labels, moved_absent)) == base
    assert abs(float(loss(torch.zeros(4, 16), labels, moved_present)) - base) > 1e-4
    # all_proxy sees every proxy
    all_loss = _loss(mode='all_proxy')
    moved = float(all_loss(None, labels, moved_absent))
    assert abs(moved - float(all_loss(None, labels, proxies))) > 1e-4


def test_loss_decreases_as_the_proxies_orthogonalise():
    """P(t) = (1 - t) * common direction + t * orthonormal basis: L_AC falls monotonically from
    a collapsed set (t = 0, all proxies equal, R small) to an orthogonal one (t = 1)."""
    d, c = 16, 8
    basis = torch.eye(d)[:c]
    common = F.normalize(torch.ones(1, d), dim=1).expand(c, d)
    values = [float(_loss(mode='all_proxy')(None, torch.arange(c), (1 - t) * common + t * basis))
              for t in np.linspace(0, 1, 6)]
    assert all(b < a for a, b in zip(values, values[1:])), values
    assert values[0] > 2 * values[-1]


def test_range_and_the_collapsed_limit():
    """0 < L_AC <= 1, with L_AC = 1 exactly when the coded vectors are all zero (R = 0)."""
    gen = torch.Generator().manual_seed(5)
    for mode in ('pair', 'batch_proxy', 'all_proxy'):
        value = float(_loss(mode=mode)(F.normalize(torch.randn(6, 8, generator=gen), dim=1),
                                       torch.tensor([0, 0, 1, 1, 2, 2]),
                                       torch.randn(4, 8, generator=gen)))
        assert 0 < value < 1
    assert float(_loss(mode='pair')(torch.zeros(5, 8), torch.arange(5))) == 1.0
    assert float(_loss(mode='pair', loss_weight=3.0)(torch.zeros(5, 8), torch.arange(5))) == 3.0


def test_half_precision_input_is_computed_in_float32():
    gen = torch.Generator().manual_seed(6)
    z = F.normalize(torch.randn(12, 64, generator=gen), dim=1)
    full = _loss(mode='pair')(z, torch.arange(12))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        half = _loss(mode='pair')(z.bfloat16(), torch.arange(12))
    # bf16 rounding of the inputs only (3 significant digits); not the bf16 logdet
    assert float(half) == pytest.approx(float(full), rel=2e-2)


def test_bad_configuration_and_input_are_clear_errors():
    with pytest.raises(ValueError, match="mode must be one of"):
        _loss(mode='proxy')
    with pytest.raises(ValueError, match="scale must be one of"):
        _loss(scale='textbook')
    with pytest.raises(ValueError, match='needs the proxies'):
        _loss(mode='batch_proxy')(torch.randn(4, 8), torch.arange(4))
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 3\)'):
        _loss(mode='batch_proxy')(torch.randn(4, 8), torch.tensor([0, 1, 2, 3]), torch.randn(3, 8))
    with pytest.raises(ValueError, match='non-empty'):
        from antico.models.losses import coding_rate
        coding_rate(torch.zeros(0, 8))
