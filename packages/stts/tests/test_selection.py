"""STTS selectors: shapes, temporal order, best-anchor choice, gradient path, errors
(golden comparisons with the official PatchNet: test_golden.py)."""
import pytest
import torch
from stts.models import STTSSpatialSelector, STTSTemporalSelector, min_max_norm


def test_temporal_eval_keeps_order_and_top_scores():
    torch.manual_seed(0)
    sel = STTSTemporalSelector(8, k=3).eval()
    x = torch.randn(2, 6, 5, 8)
    with torch.no_grad():
        s = sel.scores(x)
        out = sel(x, 0.1)
    for b in range(2):
        idx = sorted(s[b].topk(3).indices.tolist())  # kept slices, in temporal order
        assert torch.equal(out[b], x[b, idx])


def test_spatial_eval_picks_best_anchor_window():
    torch.manual_seed(0)
    sel = STTSSpatialSelector(8, k=25).eval()  # a = 5 on a 7 x 7 grid: stride 1, 3 x 3 anchors
    x = torch.randn(2, 3, 7, 7, 8)
    a, s, per_row = sel.anchor_grid(7, 7)
    assert (a, s, per_row) == (5, 1, 3)
    with torch.no_grad():
        scores = sel.scores(x)
        out = sel(x, 0.1)
    assert out.shape == (2, 3, 5, 5, 8)
    best = scores.argmax(-1).view(2, 3)
    for b in range(2):
        for t in range(3):
            r, c = divmod(best[b, t].item(), per_row)
            assert torch.equal(out[b, t], x[b, t, r * s:r * s + a, c * s:c * s + a])


def test_train_small_sigma_equals_eval_and_gradient_reaches_scorer():
    torch.manual_seed(0)
    sel = STTSTemporalSelector(8, k=2)
    x = torch.randn(3, 5, 4, 8)
    with torch.no_grad():
        hard = sel.eval()(x, 0.0)
    soft = sel.train()(x, 1e-7)  # sigma -> 0: the soft indicator is the hard one
    torch.testing.assert_close(soft, hard)
    sel.train()(x, 0.5).pow(2).sum().backward()
    assert sel.predictor.out_conv[-1].weight.grad.abs().sum() > 0


def test_min_max_norm_range():
    s = min_max_norm(torch.randn(4, 9) * 10)
    assert torch.all(s >= 0) and torch.all(s < 1) and torch.allclose(s.min(-1).values,
                                                                      torch.zeros(4))


def test_bad_input_errors():
    with pytest.raises(ValueError, match='shorter than the config'):
        STTSTemporalSelector(8, k=6).eval()(torch.randn(1, 4, 3, 8), 0.1)
    with pytest.raises(ValueError, match='exceeds the token grid'):
        STTSSpatialSelector(8, k=64).eval()(torch.randn(1, 2, 4, 4, 8), 0.1)
    with pytest.raises(ValueError, match='divisible by 4'):
        STTSTemporalSelector(3, k=1)


def test_topk_defaults_agree_across_layers():
    """Selectors and backbones take the perturbed top-K defaults of cvshared.ops.topk, which are
    the official STTS values (grad 'diag', sigma 0.05, 500 samples)."""
    import inspect

    from cvshared.ops import topk
    from stts.models import STTSMViT, STTSSwinTransformer3D
    official = {'grad': 'diag', 'sigma': 0.05, 'num_samples': 500}
    ops = inspect.signature(topk.perturbed_topk).parameters
    assert {k: ops[k].default for k in official} == official
    for cls in (STTSTemporalSelector, STTSSpatialSelector, STTSSwinTransformer3D, STTSMViT):
        params = inspect.signature(cls.__init__).parameters
        assert params['topk_grad'].default == official['grad'], cls
        assert params['num_samples'].default == official['num_samples'], cls
        if 'sigma' in params:
            assert params['sigma'].default == official['sigma'], cls
    for cls in (STTSTemporalSelector, STTSSpatialSelector):
        assert inspect.signature(cls.forward).parameters['sigma'].default == official['sigma']
