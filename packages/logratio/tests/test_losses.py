"""The losses against brute-force NumPy triple loops, float64 gradcheck, and the paper's
invariants (scale invariance, zero loss when embedding distances are proportional to label
distances)."""
import numpy as np
import pytest
import torch
from logratio.models import LogRatioLoss, binary_triplet_loss, dense_triplet_loss, log_ratio_loss


def _batch(m=12, d=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    embed = torch.randn(m + 1, d, generator=g, dtype=torch.float64)
    gt = torch.sort(torch.rand(m, generator=g, dtype=torch.float64) * 5 + 0.1).values
    return embed, gt


def _np_dist(e, squared):
    a, d = e[0], e.shape[1]
    out = []
    for p in e[1:]:
        s = sum((a[c] - p[c]) ** 2 for c in range(d)) + 1e-4 / d
        out.append(s if squared else np.sqrt(s))
    return out


def np_log_ratio(e, g, squared=False):
    dist, total, count = _np_dist(e, squared), 0.0, 0
    for i in range(len(g)):
        for j in range(len(g)):
            if i < j:
                lr = np.log(dist[i] + 1e-6) - np.log(dist[j] + 1e-6)
                lg = np.log(g[i] + 1e-6) - np.log(g[j] + 1e-6)
                total, count = total + (lr - lg) ** 2, count + 1
    return total / count


def np_dense_triplet(e, margin):
    dist, total, count = _np_dist(e, True), 0.0, 0
    for i in range(len(dist)):
        for j in range(i + 1, len(dist)):
            total, count = total + max(dist[i] - dist[j] + margin, 1e-12), count + 1
    return total / count


def np_binary_triplet(e, num_pos, margin):
    dist = _np_dist(e, True)
    terms = [max(dist[p] - dist[n] + margin, 1e-12)
             for p in range(num_pos) for n in range(num_pos, len(dist))]
    return sum(terms) / len(terms)


@pytest.mark.parametrize('squared', [False, True])
def test_log_ratio_equals_the_triple_loop(squared):
    e, g = _batch()
    ours = float(log_ratio_loss(e, g, squared=squared))
    assert ours == pytest.approx(np_log_ratio(e.numpy(), g.numpy(), squared), rel=1e-12)


def test_triplet_baselines_equal_the_loops():
    e, _ = _batch(m=9)
    e = e / e.norm(dim=1, keepdim=True)
    assert float(dense_triplet_loss(e, 0.3)) == pytest.approx(np_dense_triplet(e.numpy(), 0.3),
                                                              rel=1e-12)
    assert float(binary_triplet_loss(e, 3, 0.2)) == pytest.approx(
        np_binary_triplet(e.numpy(), 3, 0.2), rel=1e-12)


def test_gradcheck_float64():
    e, g = _batch(m=7, d=4)
    e.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: log_ratio_loss(x, g), (e,))
    assert torch.autograd.gradcheck(lambda x: log_ratio_loss(x, g, squared=True), (e,))
    # margins chosen so that no hinge sits at its kink
    assert torch.autograd.gradcheck(lambda x: dense_triplet_loss(x, 0.5), (e,))
    assert torch.autograd.gradcheck(lambda x: binary_triplet_loss(x, 3, 1.0), (e,))


def test_scale_invariance():
    """Scaling the embedding or the labels leaves the log-ratio loss unchanged (up to the
    1e-4/D and 1e-6 eps terms: 1e-6 relative here), unlike the dense triplet loss."""
    e, g = _batch()
    base = float(log_ratio_loss(e, g))
    assert base > 0.1
    for c in (0.3, 7.0):
        assert float(log_ratio_loss(c * e, g)) == pytest.approx(base, rel=1e-5)
        assert float(log_ratio_loss(e, c * g)) == pytest.approx(base, rel=1e-5)
    assert abs(float(dense_triplet_loss(7.0 * e, 0.03)) - float(dense_triplet_loss(e, 0.03))) > 1


def test_zero_loss_when_distances_are_proportional():
    """d_i = c * g_i (non-squared convention) gives 0; so does d_i^2 = c * g_i with
    squared=True; a 10 % perturbation of one distance does not."""
    _, g = _batch(m=20)
    dirs = torch.randn(20, 8, dtype=torch.float64)
    dirs = dirs / dirs.norm(dim=1, keepdim=True)
    anchor = torch.randn(1, 8, dtype=torch.float64)
    embed = torch.cat([anchor, anchor + 3.0 * g[:, None] * dirs])
    assert float(log_ratio_loss(embed, g)) < 1e-8
    embed_sq = torch.cat([anchor, anchor + (2.0 * g[:, None]).sqrt() * dirs])
    assert float(log_ratio_loss(embed_sq, g, squared=True)) < 1e-8
    assert float(log_ratio_loss(embed_sq, g)) > 1e-2   # the conventions differ
    bent = embed.clone()
    bent[5] = anchor[0] + 1.1 * (embed[5] - anchor[0])
    assert float(log_ratio_loss(bent, g)) > 1e-4


def test_squared_convention_doubles_the_embedding_log_ratio():
    """log(d_i^2 / d_j^2) = 2 log(d_i / d_j): with labels squared too, the squared loss is 4x
    the non-squared one (eps terms aside)."""
    e, g = _batch()
    assert float(log_ratio_loss(e, g * g, squared=True)) == pytest.approx(
        4 * float(log_ratio_loss(e, g)), rel=1e-4)


def test_bad_shapes_are_refused():
    e, g = _batch(m=5)
    with pytest.raises(ValueError, match='one label distance per neighbour'):
        LogRatioLoss()(e, g[:4])
    with pytest.raises(ValueError, match='M >= 2'):
        log_ratio_loss(e[:2], g[:1])
    with pytest.raises(ValueError, match='num_pos'):
        binary_triplet_loss(e, 5)
