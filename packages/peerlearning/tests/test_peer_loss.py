"""The peer selection against brute-force set operations, its edge cases, the reduction to
Co-teaching's cross update when G_d is empty, gradients, and the drop-rate ramp."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from peerlearning.models import drop_rate_at, peer_learning_loss, peer_selection


def brute_force(logits1, logits2, labels, drop_rate):
    """Sets by Python loops: G_d, G_s, G_s1, G_s2 (per-sample losses one by one)."""
    n = labels.numel()
    p1 = [int(logits1[i].argmax()) for i in range(n)]
    p2 = [int(logits2[i].argmax()) for i in range(n)]
    g_d = {i for i in range(n) if p1[i] != p2[i]}
    g_s = [i for i in range(n) if p1[i] == p2[i]]
    keep = int((1 - drop_rate) * len(g_s))

    def ce(logits, i):
        return float(-torch.log_softmax(logits[i], 0)[labels[i]])
    g_s1 = set(sorted(g_s, key=lambda i: ce(logits1, i))[:keep])
    g_s2 = set(sorted(g_s, key=lambda i: ce(logits2, i))[:keep])
    return g_d, set(g_s), g_s1, g_s2


def mixed_batch(seed, n=40, c=5):
    g = torch.Generator().manual_seed(seed)
    logits1 = torch.randn(n, c, generator=g) * 2
    logits2 = logits1 + torch.randn(n, c, generator=g) * 1.5   # agree on part of the batch
    labels = torch.randint(0, c, (n,), generator=g)
    return logits1, logits2, labels


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('drop_rate', [0.0, 0.35, 0.8])
def test_selection_equals_brute_force_sets(seed, drop_rate):
    logits1, logits2, labels = mixed_batch(seed)
    sel = peer_selection(logits1, logits2, labels, drop_rate)
    g_d, g_s, g_s1, g_s2 = brute_force(logits1, logits2, labels, drop_rate)
    assert g_d and g_s, 'the batch must exercise both sets'
    assert set(sel.disagree.tolist()) == g_d and set(sel.agree.tolist()) == g_s
    assert set(sel.keep1.tolist()) == g_s1 and set(sel.keep2.tolist()) == g_s2
    # the exchange: h1 learns from G_d u G_s2, h2 from G_d u G_s1, no sample twice
    assert sorted(sel.update1.tolist()) == sorted(g_d | g_s2)
    assert sorted(sel.update2.tolist()) == sorted(g_d | g_s1)
    loss1, loss2, _ = peer_learning_loss(logits1, logits2, labels, drop_rate)
    idx1, idx2 = sorted(g_d | g_s2), sorted(g_d | g_s1)
    torch.testing.assert_close(loss1, F.cross_entropy(logits1[idx1], labels[idx1]))
    torch.testing.assert_close(loss2, F.cross_entropy(logits2[idx2], labels[idx2]))
    if 0 < drop_rate < 1:
        assert g_s1 != g_s2 or seed > 2   # the peers' choices differ on these batches


def test_g_s_empty_uses_the_disagreement_set_only():
    labels = torch.tensor([0, 1, 2, 0])
    logits1 = torch.eye(3)[[0, 1, 2, 1]] * 3
    logits2 = torch.eye(3)[[1, 2, 0, 0]] * 3
    loss1, loss2, sel = peer_learning_loss(logits1, logits2, labels, 0.35)
    assert sel.agree.numel() == 0 and sel.disagree.tolist() == [0, 1, 2, 3]
    torch.testing.assert_close(loss1, F.cross_entropy(logits1, labels))
    torch.testing.assert_close(loss2, F.cross_entropy(logits2, labels))


def test_g_d_empty_reduces_to_coteaching_cross_update():
    """Same predictions everywhere: each peer learns from the (1 - r) |B| smallest-loss samples
    of the OTHER peer (Co-teaching, Han et al. 2018), here written independently."""
    g = torch.Generator().manual_seed(3)
    logits1 = torch.randn(30, 4, generator=g)
    logits2 = logits1 * 2 + 0.3 * torch.rand(30, 4, generator=g)  # same argmax, other losses
    logits2 = torch.where(logits1 == logits1.max(1, keepdim=True).values, logits2 + 5, logits2)
    labels = torch.randint(0, 4, (30,), generator=g)
    drop = 0.35
    loss1, loss2, sel = peer_learning_loss(logits1, logits2, labels, drop)
    assert sel.disagree.numel() == 0
    keep = int((1 - drop) * 30)
    small1 = F.cross_entropy(logits1, labels, reduction='none').argsort()[:keep]
    small2 = F.cross_entropy(logits2, labels, reduction='none').argsort()[:keep]
    assert set(small1.tolist()) != set(small2.tolist())
    torch.testing.assert_close(loss1, F.cross_entropy(logits1[small2], labels[small2]))
    torch.testing.assert_close(loss2, F.cross_entropy(logits2[small1], labels[small1]))


def test_gradients_reach_only_the_updated_samples():
    logits1, logits2, labels = mixed_batch(7)
    logits1.requires_grad_(True)
    logits2.requires_grad_(True)
    loss1, loss2, sel = peer_learning_loss(logits1, logits2, labels, 0.5)
    (loss1 + loss2).backward()
    rows1 = set(torch.nonzero(logits1.grad.abs().sum(1)).flatten().tolist())
    rows2 = set(torch.nonzero(logits2.grad.abs().sum(1)).flatten().tolist())
    assert rows1 == set(sel.update1.tolist()) and rows2 == set(sel.update2.tolist())
    assert rows1 != rows2


def test_no_sample_left_gives_a_finite_zero_and_bad_rate_raises():
    logits = torch.tensor([[2.0, 0.0]], requires_grad=True)
    loss1, loss2, sel = peer_learning_loss(logits, logits * 2, torch.tensor([1]), 0.5)
    assert sel.update1.numel() == 0 and loss1.item() == 0.0 and loss2.item() == 0.0
    loss1.backward()   # the graph is kept (the official mean over nothing is NaN)
    with pytest.raises(ValueError, match='drop_rate'):
        peer_selection(logits, logits, torch.tensor([1]), 1.5)


@pytest.mark.parametrize('rate,T_k,epochs', [(0.35, 10, 200), (0.3, 10, 60), (0.2, 5, 9),
                                             (0.25, 1, 3), (0.4, 0, 2), (0.1, 2, 4)])
def test_drop_rate_ramp_equals_the_official_linspace_plan(rate, T_k, epochs):
    plan = np.ones(epochs) * rate            # main.py's rate_schedule, value for value
    plan[:T_k] = np.linspace(0, rate, T_k)
    ours = [drop_rate_at(e, rate, T_k) for e in range(epochs)]
    assert ours == plan.tolist()
    if T_k > 2:
        assert ours[0] == 0.0 and ours[T_k - 1] == rate and ours[T_k // 2] < rate
