"""Golden tensors of the official AntiCo criterion (``criteria/antico.py::Criterion``, written by
tests/golden/make_golden.py from a checkout of the official repository; PROVENANCE.md says
which commit and command).

Each case holds seeded L2-normalised embeddings, labels (2 samples per class, as the official
sampler draws them), proxies, and the official outputs in float32: the three coding-rate terms,
exp(-R) of the mode, the PA alignment term, the total loss ``w_align * L_PA + w_ac * L_AC`` and
its gradients with respect to the embeddings and the proxies.
"""
import os.path as osp

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file

GOLDEN = osp.join(osp.dirname(osp.abspath(__file__)), 'golden', 'antico_criterion.pt')
# float32 log det of a <= 24 x 24 SPD matrix and sums of <= 24 exp terms: the measured largest
# relative difference is ~1e-6; 1e-5 leaves a margin of 10 and is far below any change of a
# factor (a swapped scale moves R by > 10 %, see test_losses.py)
RTOL, ATOL = 1e-5, 1e-7


def _cases():
    return load_checkpoint_file(GOLDEN)['cases']


@pytest.mark.parametrize('index', range(4))
def test_coding_rates_and_anti_collapse_term_match_official(index):
    from antico.models.losses import AntiCoLoss
    case = _cases()[index]
    x, y, proxies = case['embeddings'], case['labels'], case['proxies']
    pair = AntiCoLoss(mode='pair').coding_rate(x, y)
    # the official code codes all proxies in 'pair' mode too (its logged proxy rate)
    mode_proxies = 'batch_proxy' if case['mode'] == 'batch_proxy' else 'all_proxy'
    gram = AntiCoLoss(mode=mode_proxies).coding_rate(x, y, proxies)
    standard = AntiCoLoss(mode=mode_proxies, scale='standard').coding_rate(x, y, proxies)
    torch.testing.assert_close(pair, case['rate_pair'], rtol=RTOL, atol=ATOL)
    torch.testing.assert_close(gram, case['rate_proxy_gram'], rtol=RTOL, atol=ATOL)
    torch.testing.assert_close(standard, case['rate_proxy_standard'], rtol=RTOL, atol=ATOL)
    ours = AntiCoLoss(mode=case['mode'])(x, y, proxies)
    torch.testing.assert_close(ours, case['anti_collapse'], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize('index', range(4))
def test_total_loss_and_gradients_match_official(index):
    """The official total ``0.0035 * L_PA(alpha 64, delta 0.1) + 1 * exp(-R)`` = the shared
    ``ProxyAnchorLoss`` plus our ``AntiCoLoss``, the composition the configs build."""
    from antico.models.losses import AntiCoLoss
    from cvshared.retrieval.losses import ProxyAnchorLoss
    case = _cases()[index]
    opts = case['options']
    align = ProxyAnchorLoss(alpha=opts['loss_oproxy_pos_alpha'],
                            delta=opts['loss_oproxy_pos_delta'],
                            loss_weight=opts['loss_ac_w_align'])
    anti = AntiCoLoss(mode=case['mode'], eps=opts['antico_eps'], gamma1=opts['antico_gam1'],
                      gamma2=opts['antico_gam2'], loss_weight=opts['antico_w'])
    x = case['embeddings'].clone().requires_grad_(True)
    proxies = case['proxies'].clone().requires_grad_(True)
    total = align(x, case['labels'], proxies) + anti(x, case['labels'], proxies)
    total.backward()
    torch.testing.assert_close(align(x, case['labels'], proxies) / opts['loss_ac_w_align'],
                               case['align'], rtol=RTOL, atol=1e-5)
    torch.testing.assert_close(total, case['loss'], rtol=RTOL, atol=ATOL)
    torch.testing.assert_close(x.grad, case['grad_embeddings'], rtol=1e-4, atol=1e-7)
    torch.testing.assert_close(proxies.grad, case['grad_proxies'], rtol=1e-4, atol=1e-7)


def test_harness_refuses_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'make_golden', osp.join(osp.dirname(GOLDEN), 'make_golden.py'))
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    with pytest.raises(SystemExit):
        harness.main([str(tmp_path / 'no_checkout')])
    assert 'no_checkout' in capsys.readouterr().err
