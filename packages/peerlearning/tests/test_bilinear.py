"""The B-CNN neck against einsum, the square-root variants, and its gradients."""
import pytest
import torch
import torch.nn.functional as F
from peerlearning.models import BilinearPooling, bilinear_pool


def reference(x, sqrt):
    n, c, h, w = x.shape
    z = torch.einsum('nchw,ndhw->ncd', x, x).reshape(n, c * c) / (h * w)
    if sqrt == 'official':
        z = (z + 1e-5).sqrt()
    elif sqrt == 'signed':
        z = z.sign() * (z.abs() + 1e-5).sqrt()
    return z / z.norm(dim=1, keepdim=True)


@pytest.mark.parametrize('sqrt', ['official', 'signed', 'none'])
def test_bilinear_pooling_equals_einsum(sqrt):
    x = torch.randn(3, 16, 5, 7, dtype=torch.float64)   # signed entries: the variants differ
    if sqrt == 'official':
        x = x.abs()   # sqrt(z + eps) is NaN for z < -eps: the official assumes ReLU features
    torch.testing.assert_close(bilinear_pool(x, sqrt), reference(x, sqrt), rtol=1e-12,
                               atol=1e-12)


def test_signed_and_official_differ_only_at_zero_after_relu():
    x = F.relu(torch.randn(2, 8, 4, 4, dtype=torch.float64))
    x[:, 3] = 0   # a dead channel: its row and column of x x^T are exactly 0
    official, signed = bilinear_pool(x, 'official'), bilinear_pool(x, 'signed')
    zero = (bilinear_pool(x, 'none') == 0)
    assert zero.any()
    unnormed_o = bilinear_pool(x, 'official', normalize=False)
    unnormed_s = bilinear_pool(x, 'signed', normalize=False)
    torch.testing.assert_close(unnormed_o[~zero], unnormed_s[~zero])
    assert (unnormed_s[zero] == 0).all() and torch.allclose(unnormed_o[zero],
                                                            torch.tensor(1e-5).sqrt().double())
    assert not torch.allclose(official, signed)
    signed_neg = bilinear_pool(-x.abs() - 0.1 + 2 * x, 'signed', normalize=False)
    assert (signed_neg < 0).any()   # signed keeps the sign of negative entries


def test_neck_tuple_shapes_gradients_and_bad_mode():
    neck = BilinearPooling()
    x = torch.rand(2, 512, 3, 3, requires_grad=True)
    (out,) = neck((x,))
    assert out.shape == (2, 512 * 512)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(2))
    out[:, :10].sum().backward()
    assert x.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='sqrt'):
        BilinearPooling(sqrt='sigend')
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        bilinear_pool(torch.rand(2, 3))
