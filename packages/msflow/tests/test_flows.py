"""Flow invariants: invertibility, log-det = log|det| of the autograd Jacobian, shapes and
gradients of the whole model, and the frozen extractor."""
import msflow  # noqa: F401
import pytest
import torch
from msflow.models import (
    FusionCoupling,
    FusionFlow,
    build_parallel_flow,
    positional_encoding_2d,
)
from msflow.registry import MODELS


def _perturb(module, scale=0.2, seed=0):
    """Move the weights away from FrEIA's near-identity init so the checks mean something."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            if p.requires_grad:
                p.add_(scale * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return module


def _jacobian_logdet(fn, x):
    """log|det J| of fn at x (one sample) by autograd, in float64."""
    jac = torch.autograd.functional.jacobian(lambda v: fn(v.view_as(x)).flatten(), x.flatten(),
                                               vectorize=True)
    return torch.linalg.slogdet(jac)[1]


def test_positional_encoding_layout():
    enc = positional_encoding_2d(8, 3, 5)
    assert enc.shape == (8, 3, 5)
    x = torch.arange(5.)
    torch.testing.assert_close(enc[0, 1], torch.sin(x))  # w_0 = 1: channel 0 is sin(x)
    torch.testing.assert_close(enc[1, 2], torch.cos(x))
    torch.testing.assert_close(enc[2, 0], torch.sin(x * 1e-2))  # w_1 = 10000^(-2/4)
    torch.testing.assert_close(enc[4, :, 0], torch.sin(torch.arange(3.)))  # y half
    assert torch.equal(enc[:4, 0], enc[:4, 2])  # x channels constant along y
    with pytest.raises(ValueError, match='divisible by 4'):
        positional_encoding_2d(6, 2, 2)


def test_parallel_flow_inverts_and_logdet_matches_jacobian():
    torch.manual_seed(0)
    flow = _perturb(build_parallel_flow(4, 8, 3, 1.9)).double()
    x = torch.randn(2, 4, 4, 4, dtype=torch.double)
    cond = positional_encoding_2d(8, 4, 4).double().expand(2, -1, -1, -1)
    z, logdet = flow(x, c=[cond])
    x_back, _ = flow(z, c=[cond], rev=True)
    torch.testing.assert_close(x_back, x, atol=1e-10, rtol=0)  # float64 round-off
    for i in range(2):
        ci = cond[i:i + 1]
        ref = _jacobian_logdet(lambda v, ci=ci: flow(v, c=[ci])[0], x[i:i + 1])
        torch.testing.assert_close(logdet[i], ref, atol=1e-8, rtol=1e-8)


@pytest.mark.parametrize('channels', [[4, 6, 8], [3, 5, 4]])  # odd counts: not in the official
def test_fusion_flow_inverts_and_logdet_matches_jacobian(channels):
    torch.manual_seed(1)
    fusion = _perturb(FusionFlow(channels, clamp_alpha=1.9)).double()
    sizes = [4, 2, 1]
    zs = [torch.randn(2, c, s, s, dtype=torch.double) for c, s in zip(channels, sizes)]
    out, logdet = fusion(zs)
    assert [o.shape for o in out] == [z.shape for z in zs]
    for a, b in zip(fusion.inverse(out), zs):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=0)
    numel = [c * s * s for c, s in zip(channels, sizes)]
    for i in range(2):
        flat = torch.cat([z[i:i + 1].flatten() for z in zs])

        def fn(v):
            parts = torch.split(v.flatten(), numel)
            ins = [p.view(1, c, s, s) for p, c, s in zip(parts, channels, sizes)]
            return torch.cat([o.flatten() for o in fusion(ins)[0]])
        ref = _jacobian_logdet(fn, flat)
        torch.testing.assert_close(logdet[i], ref, atol=1e-8, rtol=1e-8)


def test_soft_clamp_bounds_the_log_scale():
    coupling = FusionCoupling([16], clamp_alpha=1.9)
    s = torch.linspace(-1e4, 1e4, 101)
    phi = coupling.soft_clamp(s)
    assert phi.abs().max() < 1.9 * 0.636 * torch.pi / 2 + 1e-6 < 1.9
    torch.testing.assert_close(coupling.soft_clamp(torch.tensor([1e-3])),
                               torch.tensor([1e-3 * 0.636]), rtol=1e-5, atol=0)


def _tiny_model(**kw):
    cfg = dict(type='MSFlow', backbone=dict(type='FrozenTimmExtractor', model_name='resnet18'),
               cond_channels=8, parallel_blocks=(1, 1, 2),
               data_preprocessor=dict(type='ImgDataPreprocessor', mean=[128.] * 3,
                                      std=[64.] * 3))
    cfg.update(kw)
    return MODELS.build(cfg)


def test_model_modes_shapes_and_gradients():
    torch.manual_seed(0)
    model = _tiny_model()
    assert model.channels == [64, 128, 256]
    x = torch.randn(2, 3, 64, 64)
    zs, logdet = model(x, mode='tensor')
    # stride 4/8/16 then AvgPool(3, 2, 1): 8, 4, 2
    assert [tuple(z.shape) for z in zs] == [(2, 64, 8, 8), (2, 128, 4, 4), (2, 256, 2, 2)]
    assert logdet.shape == (2,)
    model.train()
    assert not model.backbone.net.training  # frozen extractor keeps BN statistics
    loss = model(x, mode='loss')['loss']
    loss.backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    flow_grads = [p.grad for p in model.parallel_flows.parameters() if p.requires_grad]
    assert flow_grads and all(g is not None and torch.isfinite(g).all() for g in flow_grads)
    assert all(p.grad is not None for p in model.fusion_flow.parameters() if p.requires_grad)
    model.eval()
    preds = model(x, mode='predict')
    assert preds[0].anomaly_map.shape == (64, 64) and preds[0].pred_score.shape == ()
    assert (preds[0].anomaly_map >= 0).all() and (preds[0].anomaly_map_mul <= 1).all()
    with pytest.raises(ValueError, match='mode'):
        model(x, mode='bogus')


def test_backbone_checkpoint_loading_and_errors(tmp_path):
    ref = _tiny_model()
    path = str(tmp_path / 'r18.pth')
    # a torchvision-style file: the timm key names plus layer4/fc, which are ignored
    state = {k: v + 1 for k, v in ref.backbone.net.state_dict().items()}
    state['fc.weight'] = torch.zeros(2, 2)
    torch.save(state, path)
    model = _tiny_model(backbone=dict(type='FrozenTimmExtractor', model_name='resnet18',
                                      checkpoint=path))
    key = 'conv1.weight'
    torch.testing.assert_close(model.backbone.net.state_dict()[key], state[key])
    torch.save({'conv1.weight': state[key]}, path)
    with pytest.raises(KeyError, match='lacks'):
        _tiny_model(backbone=dict(type='FrozenTimmExtractor', model_name='resnet18',
                                  checkpoint=path))
    with pytest.raises(FileNotFoundError, match='Download'):
        _tiny_model(backbone=dict(type='FrozenTimmExtractor', model_name='resnet18',
                                  checkpoint=str(tmp_path / 'absent.pth')))
    with pytest.raises(ValueError, match='scales'):
        _tiny_model(parallel_blocks=(2, 5))
