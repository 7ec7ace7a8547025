"""Shapes, gradients, the stated invariants and the bad-input errors of HGPU's own modules
(the shared blocks are tested in shared/tests/vos)."""
from __future__ import annotations

import pytest
import torch

R18 = dict(type='ResNet', depth=18, norm_cfg=dict(type='BN', requires_grad=True))
R18_CHANNELS = (64, 128, 256, 512)


def _model(mode='pre', out_size=None):
    import hgpu  # noqa: F401
    from mmseg.registry import MODELS
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='HGPUEncoder', mode=mode, channels=R18_CHANNELS, backbone=R18),
        decode_head=dict(type='HGPUHead', in_channels=R18_CHANNELS, channels=32,
                         out_size=out_size)))


def test_convgru_initialisation_and_closed_form():
    from hgpu.models import ConvGRUCell
    torch.manual_seed(0)
    gru = ConvGRUCell(6)
    for conv in (gru.update_gate, gru.reset_gate, gru.out_gate):
        w = conv.weight.flatten(1)  # 6 x 12: orthonormal rows
        torch.testing.assert_close(w @ w.T, torch.eye(6), atol=1e-5, rtol=0)
        assert torch.count_nonzero(conv.bias) == 0
    x, h = torch.randn(2, 6, 3, 4), torch.randn(2, 6, 3, 4)

    def conv1x1(conv, z):
        return torch.einsum('oc,bchw->bohw', conv.weight[:, :, 0, 0], z) + \
            conv.bias.view(1, -1, 1, 1)

    u = torch.sigmoid(conv1x1(gru.update_gate, torch.cat([x, h], 1)))
    r = torch.sigmoid(conv1x1(gru.reset_gate, torch.cat([x, h], 1)))
    n = torch.tanh(conv1x1(gru.out_gate, torch.cat([x, r * h], 1)))
    torch.testing.assert_close(gru(x, h), h * (1 - u) + n * u, atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match='differ in batch or size'):
        gru(x, h[:, :, :2])
    with pytest.raises(ValueError, match='odd kernel_size'):
        ConvGRUCell(6, kernel_size=2)


def test_shapes_probabilities_and_gradients():
    model = _model().train()
    x = torch.randn(2, 9, 64, 64)
    feats = model.backbone(x)
    assert [tuple(f.shape) for f in feats] == [(6, 64, 16, 16), (6, 128, 8, 8), (6, 256, 4, 4),
                                               (6, 512, 2, 2)]
    probs = model.decode_head(feats)
    assert probs.shape == (2, 2, 64, 64)
    assert probs.min() >= 0 and probs.max() <= 1
    probs.mean().backward()
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    # exactly the parameters no computation uses (official quirks on) are frozen
    assert frozen and all('global_att2' in n or 'convFS1' in n or 'pdc.block2' in n
                          or 'pdc.block3' in n for n in frozen)
    no_grad = [n for n, p in model.named_parameters()
               if p.requires_grad and (p.grad is None or p.grad.abs().sum() == 0)]
    # GCT's alpha gets no gradient at its identity initialisation (gamma = 0) only
    assert no_grad and all(n.endswith('gct.alpha') or n.split('.')[-2].startswith('gct')
                           for n in no_grad), no_grad


def test_out_size_and_modes():
    model = _model(out_size=(40, 48)).eval()
    x = torch.randn(1, 9, 64, 64)
    with torch.no_grad():
        pre = model.decode_head(model.backbone(x))
        model.backbone.mode = 'main'
        main = model.decode_head(model.backbone(x))
    assert pre.shape == (1, 2, 40, 48)
    assert (pre - main).abs().max() > 0  # five message rounds are not one


def test_prediction_path_returns_the_logit_of_the_selected_frame():
    from hgpu.models.head import PROB_EPS
    head = _model().decode_head
    probs = torch.rand(2, 2, 8, 8) * 0.98 + 0.01
    metas = [dict(img_shape=(8, 8), pair_index=0), dict(img_shape=(8, 8), pair_index=1)]
    out = head.predict_by_feat(probs, metas)
    assert out.shape == (2, 1, 8, 8)
    torch.testing.assert_close(torch.sigmoid(out[0, 0]), probs[0, 0], atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.sigmoid(out[1, 0]), probs[1, 1], atol=1e-5, rtol=0)
    assert PROB_EPS < 1e-3


def test_bad_inputs_raise_clear_errors():
    model = _model()
    with pytest.raises(ValueError, match='B x 9 x H x W'):
        model.backbone(torch.randn(1, 6, 64, 64))
    with pytest.raises(ValueError, match='3B stacked'):
        model.decode_head([torch.randn(2, c, 4, 4) for c in R18_CHANNELS])
    from hgpu.models import HGPUEncoder
    with pytest.raises(ValueError, match="mode must be one of"):
        HGPUEncoder(R18, channels=R18_CHANNELS, mode='final')
    with pytest.raises(ValueError, match='4 stage widths'):
        HGPUEncoder(R18, channels=(64, 128, 256))
