"""STTS selectors: golden tensors from the official PatchNet, shapes, order and invariants."""
from pathlib import Path

import pytest
import torch
from stts.models import STTSSpatialSelector, STTSTemporalSelector, min_max_norm

DATA = Path(__file__).parent / 'data'


def load_official(name):
    gold = torch.load(DATA / f'selector_{name}.pt')
    B, T, H, C, k = gold['B'], gold['T'], gold['H'], gold['C'], gold['k']
    if name == 'temporal':
        sel = STTSTemporalSelector(C, k, num_samples=gold['num_samples'], topk_grad='diag')
        x = gold['x'].view(B, T, H * H, C)
    else:
        sel = STTSSpatialSelector(C, k, num_samples=gold['num_samples'], topk_grad='diag')
        x = gold['x'].view(B, T, H, H, C)
    # official PatchNet.score_network -> our selector.predictor (same sub-module layout)
    state = {key.replace('score_network.', 'predictor.'): v for key, v in
             gold['state_dict'].items()}
    sel.load_state_dict(state, strict=True)
    return gold, sel, x


@pytest.mark.parametrize('name', ['temporal', 'spatial'])
def test_golden_official_patchnet(name):
    """Same weights, inputs and noise seed as the official PatchNet (tests/data/PROVENANCE.md)."""
    gold, sel, x = load_official(name)
    B = gold['B']
    sel.eval()
    with torch.no_grad():
        out = sel(x, gold['sigma']).reshape(B, -1, gold['C'])
    # hard selection is a gather: bit-exact
    assert torch.equal(out, gold['out_eval'])

    sel.train()
    xr = x.clone().requires_grad_(True)
    torch.manual_seed(gold['seed'])  # official noise comes from the global RNG, as ours
    out = sel(xr, gold['sigma']).reshape(B, -1, gold['C'])
    out.backward(gold['g'])
    # float32, same operations up to summation order: 1e-5 on O(1) values
    torch.testing.assert_close(out.detach(), gold['out_train'], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(xr.grad.view_as(gold['grad_x']), gold['grad_x'],
                               atol=1e-4, rtol=1e-4)
    grads = {k.replace('predictor.', 'score_network.'): p.grad for k, p in
             sel.named_parameters()}
    # the scorer gets its gradient only through the perturbed top-K (diag estimator)
    assert any(g.abs().max() > 0 for g in grads.values())
    # Scorer gradients are large (1/sigma and the 1/(max - min) of min-max normalisation):
    # compare at 1e-5 of their overall scale. The last bias's true gradient is exactly 0 (a
    # constant shift of all scores cancels in min-max normalisation), so both codes return
    # float32 cancellation noise there: only check that it is negligible.
    scale = max(r.abs().max().item() for r in gold['grad_params'].values())
    for key, ref in gold['grad_params'].items():
        if key == 'score_network.out_conv.4.bias':
            assert grads[key].abs().max() < 1e-3 * scale and ref.abs().max() < 1e-3 * scale
            continue
        torch.testing.assert_close(grads[key], ref, atol=1e-5 * scale, rtol=1e-4, msg=key)


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
