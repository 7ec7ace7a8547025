"""Tests of cvshared.ops.affinity (PSA / IRN pairs, affinities and random walk)."""
from pathlib import Path

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from cvshared.ops.affinity import (
    PathIndex,
    direction_path,
    edge_to_affinity,
    feature_affinity,
    get_indices_of_pairs,
    pair_directions,
    pair_displacement,
    pairs_to_dense,
    propagate_to_edge,
    radius_feature_affinity,
    random_walk,
    random_walk_dense,
    transition_matrix,
)

DATA = Path(__file__).resolve().parents[1] / 'data' / 'ops'
DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])


@pytest.mark.parametrize('radius', [2, 5, 10])
def test_directions_are_one_half_of_the_disk(radius):
    dirs = pair_directions(radius)
    full_disk = {(dy, dx) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
                 if 0 < dy * dy + dx * dx < radius * radius}
    assert len(set(dirs)) == len(dirs) == len(full_disk) // 2
    assert set(dirs) | {(-dy, -dx) for dy, dx in dirs} == full_disk
    if radius == 5:
        assert len(dirs) == 34  # PSA: 34 directions at radius 5


def test_pair_indices_match_brute_force_enumeration():
    h, w, radius = 9, 12, 5
    ind_from, ind_to = get_indices_of_pairs(radius, (h, w))
    pairs = set(zip(ind_from.repeat(34).tolist(), ind_to.tolist()))
    expected = {(y * w + x, (y + dy) * w + x + dx)
                for y in range(h - radius + 1) for x in range(radius - 1, w - radius + 1)
                for dy, dx in pair_directions(radius)}
    assert pairs == expected and len(ind_to) == len(expected)
    assert all(0 <= j < h * w for _, j in pairs)


@pytest.mark.parametrize('dy,dx', [(0, 4), (3, -2), (4, 1), (2, 2), (9, -3)])
def test_paths_match_geometric_rasterisation(dy, dx):
    """Path pixels = pixels of the bounding box within distance < 1 of the line through ends."""
    path = direction_path(dy, dx)
    norm = (dy * dy + dx * dx) ** 0.5
    expected = {(y, x) for y in range(min(0, dy), max(0, dy) + 1)
                for x in range(min(0, dx), max(0, dx) + 1)
                if abs(dy * x - dx * y) / norm < 1}
    assert set(path) == expected
    assert path[0] == (dy, dx) and path[-1] == (0, 0)


def test_golden_psa_pairs_and_affinity():
    g = load_checkpoint_file(DATA / 'psa_pairs_affinity.pt')
    ind_from, ind_to = get_indices_of_pairs(g['radius'], g['size'])
    assert torch.equal(ind_from, g['ind_from']) and torch.equal(ind_to, g['ind_to'])
    aff = feature_affinity(g['feat'], ind_from, ind_to)
    # Same float32 operations as resnet38_aff.Net.forward; measured max |diff| = 0.
    torch.testing.assert_close(aff, g['aff'], atol=1e-6, rtol=0)
    torch.testing.assert_close(radius_feature_affinity(g['feat'], g['radius']), g['aff'],
                               atol=1e-6, rtol=0)
    dense = pairs_to_dense(aff[0], ind_from, ind_to, g['size'][0] * g['size'][1])
    torch.testing.assert_close(dense, g['aff_dense'], atol=1e-6, rtol=0)


def test_feature_affinity_equals_mean_l1_distance():
    feat = torch.randn(2, 6, 7, 9, dtype=torch.float64)
    ind_from, ind_to = get_indices_of_pairs(3, (7, 9))
    aff = feature_affinity(feat, ind_from, ind_to)
    flat = feat.flatten(2).transpose(1, 2)  # (B, n, C)
    dist = torch.cdist(flat, flat, p=1) / feat.shape[1]
    d = len(pair_directions(3))
    expected = torch.exp(-dist[:, ind_from.repeat(d), ind_to]).view(2, d, -1)
    torch.testing.assert_close(aff, expected)
    torch.testing.assert_close(radius_feature_affinity(feat, 3), expected)
    small = feat[:1, :2].clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda f: feature_affinity(f, ind_from, ind_to), (small,))
    # The hand-written backward of the strided version (recomputes differences).
    assert torch.autograd.gradcheck(lambda f: radius_feature_affinity(f, 3), (small,))


@pytest.mark.parametrize('radius', [5, 10])
def test_golden_irn_path_index_and_edge_affinity(radius):
    g = load_checkpoint_file(DATA / 'irn_paths_randomwalk.pt')[f'r{radius}']
    pi = PathIndex(radius, g['size'])
    assert torch.equal(pi.search_dst, g['search_dst'])
    assert len(pi.path_indices) == len(g['path_indices'])
    for ours, theirs in zip(pi.path_indices, g['path_indices']):
        assert torch.equal(ours, theirs.long())
    assert torch.equal(pi.src_indices, g['src_indices'])
    assert torch.equal(pi.dst_indices, g['dst_indices'].long())
    # 1 - max of float32 values: exact.
    torch.testing.assert_close(edge_to_affinity(g['edge'], pi), g['aff'], atol=0, rtol=0)


def test_edge_affinity_vertical_boundary():
    """A one-pixel vertical wall: pairs whose path crosses it get 0, all others 1."""
    h, w, col = 8, 16, 8
    edge = torch.zeros(1, h, w)
    edge[..., col] = 1
    pi = PathIndex(4, (h, w))
    aff = edge_to_affinity(edge, pi)[0]
    sx = pi.src_indices % w
    for d, (dy, dx) in enumerate(pi.search_dst.tolist()):
        xs_on_path = sx.unsqueeze(0) + torch.tensor([p[1] for p in direction_path(dy, dx)])[:, None]
        crosses = (xs_on_path == col).any(0)
        assert torch.equal(aff[d], (~crosses).float())
    edge.requires_grad_(True)
    soft = torch.rand(1, h, w, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda e: edge_to_affinity(e, PathIndex(3, (h, w))), (soft,))


def test_displacement_of_analytic_field_matches_pair_offsets():
    """IRN: for D(p) = c - p every pair's displacement difference equals its offset delta."""
    h, w = 10, 14
    ys, xs = torch.meshgrid(torch.arange(float(h)), torch.arange(float(w)), indexing='ij')
    disp = torch.stack([4.5 - ys, 6.5 - xs]).unsqueeze(0)
    pi = PathIndex(5, (h, w))
    pair = pair_displacement(disp, pi)  # (1, 2, D, N)
    target = pi.search_dst.t().float().unsqueeze(0).unsqueeze(-1)  # (1, 2, D, 1)
    assert torch.equal(pair, target.expand_as(pair))


def test_transition_matrix_columns_and_matrix_power():
    a = torch.rand(20, 20, dtype=torch.float64)
    a = (a + a.t()) / 2
    t1 = transition_matrix(a, beta=3)
    torch.testing.assert_close(t1.sum(0), torch.ones(20, dtype=torch.float64))
    t8 = transition_matrix(a, beta=3, logt=3)
    torch.testing.assert_close(t8, torch.linalg.matrix_power(t1, 8))
    torch.testing.assert_close(t8.sum(0), torch.ones(20, dtype=torch.float64))


def test_golden_irn_transition_matrix():
    g = load_checkpoint_file(DATA / 'irn_paths_randomwalk.pt')
    pi = PathIndex(5, (9, 12))
    dense = pairs_to_dense(g['r5']['aff'][0], pi.src_indices, pi.dst_indices, 108)
    torch.testing.assert_close(dense, g['dense_r5'], atol=0, rtol=0)
    # Same float32 pow / division / matmul sequence; measured max |diff| = 0.
    torch.testing.assert_close(transition_matrix(dense, beta=10, logt=8),
                               g['trans_beta10_t8'], atol=1e-6, rtol=0)


@pytest.mark.parametrize('device', DEVICES)
def test_sparse_random_walk_equals_dense(device):
    h, w = 7, 10
    ind_from, ind_to = get_indices_of_pairs(3, (h, w))
    aff = torch.rand(ind_to.numel(), dtype=torch.float64, device=device)
    x = torch.rand(4, h, w, dtype=torch.float64, device=device)
    dense = pairs_to_dense(aff, ind_from, ind_to, h * w)
    assert torch.equal(dense, dense.t()) and torch.all(dense.diagonal() == 1)
    ref = random_walk_dense(x, dense, beta=2, logt=5)
    out = random_walk(x, aff, ind_from, ind_to, beta=2, logt=5)
    torch.testing.assert_close(out, ref)
    # Column-stochastic T: each output is a convex combination of inputs.
    assert out.amax() <= x.amax() + 1e-12 and out.amin() >= x.amin() - 1e-12
    const = torch.full_like(x, 0.3)
    torch.testing.assert_close(random_walk(const, aff, ind_from, ind_to, 2, 5), const)


def test_pairs_to_dense_batched_and_gradcheck():
    ind_from, ind_to = get_indices_of_pairs(2, (3, 4))
    d = len(pair_directions(2))
    aff = torch.rand(2, d, ind_from.numel(), dtype=torch.float64, requires_grad=True)
    dense = pairs_to_dense(aff, ind_from, ind_to, 12)
    assert dense.shape == (2, 12, 12)
    torch.testing.assert_close(dense[1], pairs_to_dense(aff[1], ind_from, ind_to, 12))
    assert torch.autograd.gradcheck(lambda a: pairs_to_dense(a, ind_from, ind_to, 12), (aff,))


def test_golden_irn_propagate_to_edge():
    g = load_checkpoint_file(DATA / 'irn_paths_randomwalk.pt')
    dense = propagate_to_edge(g['prop_cam'], g['prop_edge'], 5, 10, 8, method='dense')
    # Dense path = the official float32 computation; measured max |diff| = 0.
    torch.testing.assert_close(dense, g['prop_rw'], atol=1e-6, rtol=0)
    sparse = propagate_to_edge(g['prop_cam'], g['prop_edge'], 5, 10, 8, method='sparse')
    # The official float32 result is itself 1.3e-5 away from a float64 evaluation (measured);
    # the sparse float64 walk is 4e-8 away from it, so 5e-5 bounds their difference.
    torch.testing.assert_close(sparse, g['prop_rw'], atol=5e-5, rtol=0)


def test_too_small_grid_raises():
    with pytest.raises(ValueError, match='too small'):
        get_indices_of_pairs(5, (3, 20))
    with pytest.raises(ValueError, match='radius'):
        pair_directions(1)


@pytest.mark.parametrize('radius', [5, 10])
def test_golden_irn_edge_affinity_gradient_with_ties(radius):
    """Binary boundary map: tied path maxima; the official max_pool2d routes to the first."""
    g = load_checkpoint_file(DATA / 'irn_paths_randomwalk.pt')[f'r{radius}']
    edge = g['tie_edge'].clone().requires_grad_(True)
    aff = edge_to_affinity(edge, PathIndex(radius, g['size']))
    (aff * g['tie_weight']).sum().backward()
    # Sums of up to ~100 N(0,1) weights accumulated in another order: 1e-5 absolute.
    torch.testing.assert_close(edge.grad, g['tie_grad'], atol=1e-5, rtol=0)
