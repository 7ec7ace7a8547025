"""The video segmentation's energy (E1-E4) and its graph-cut minimiser, against brute-force
enumeration and the energy's stated properties."""
import itertools

import numpy as np
import pytest
from webvideo_wsss import graphcut as G


def random_graph(rng, n, p_edge=0.4, scale=3.0):
    unary = rng.uniform(-scale, scale, size=(n, 2))
    edges = np.array([(i, j) for i in range(n) for j in range(i + 1, n)
                      if rng.random() < p_edge], np.int64).reshape(-1, 2)
    weights = rng.uniform(0, scale, size=len(edges))
    return unary, edges, weights


def brute_force(unary, edges, weights):
    best, arg = np.inf, None
    for labels in itertools.product((0, 1), repeat=len(unary)):
        e = G.energy(unary, edges, weights, np.array(labels))
        if e < best - 1e-12:
            best, arg = e, np.array(labels)
    return best, arg


def test_energy_by_hand():
    unary = np.array([[1.0, 5.0], [4.0, 2.0], [0.5, 0.0]])
    edges = np.array([[0, 1], [1, 2]])
    w = np.array([3.0, 7.0])
    # labels 0,1,1: unaries 1 + 2 + 0 = 3, one cut edge (0-1) = 3
    assert G.energy(unary, edges, w, np.array([0, 1, 1])) == pytest.approx(6.0)
    assert G.energy(unary, edges, w, np.array([0, 0, 1])) == pytest.approx(1 + 4 + 0 + 7)


@pytest.mark.parametrize('seed', range(12))
def test_graph_cut_reaches_the_brute_force_minimum(seed):
    rng = np.random.default_rng(seed)
    unary, edges, weights = random_graph(rng, n=int(rng.integers(4, 11)))
    best, _ = brute_force(unary, edges, weights)
    labels = G.minimize_energy(unary, edges, weights)
    assert G.energy(unary, edges, weights, labels) == pytest.approx(best, abs=1e-6)


def test_zero_pairwise_gives_the_unary_argmin():
    rng = np.random.default_rng(3)
    unary, edges, _ = random_graph(rng, n=40, p_edge=0.2)
    labels = G.minimize_energy(unary, edges, np.zeros(len(edges)))
    np.testing.assert_array_equal(labels, unary.argmin(1))


def test_huge_pairwise_on_a_connected_graph_gives_a_constant_labelling():
    rng = np.random.default_rng(4)
    n = 30
    unary = rng.uniform(-3, 3, size=(n, 2))
    chain = np.stack([np.arange(n - 1), np.arange(1, n)], 1)
    labels = G.minimize_energy(unary, chain, np.full(n - 1, 1e6))
    assert len(set(labels.tolist())) == 1
    # ... and it is the better of the two constant labellings
    assert labels[0] == int(unary[:, 1].sum() < unary[:, 0].sum())


def test_negative_weights_are_refused():
    with pytest.raises(ValueError, match='>= 0'):
        G.minimize_energy(np.zeros((2, 2)), np.array([[0, 1]]), np.array([-1.0]))


def test_spatial_edges_match_a_pixel_loop():
    rng = np.random.default_rng(0)
    sp = rng.integers(0, 5, size=(7, 9))
    expect = set()
    for y in range(7):
        for x in range(9):
            for dy, dx in ((0, 1), (1, 0)):
                if y + dy < 7 and x + dx < 9 and sp[y, x] != sp[y + dy, x + dx]:
                    expect.add(tuple(sorted((int(sp[y, x]), int(sp[y + dy, x + dx])))))
    assert set(map(tuple, G.spatial_edges(sp).tolist())) == expect


def test_flow_links_follow_the_flow():
    sp0 = np.zeros((6, 8), np.int64)
    sp0[:, 4:] = 1
    sp1 = np.zeros((6, 8), np.int64)
    sp1[:, 6:] = 1  # the boundary moved 2 px right
    flow = np.zeros((6, 8, 2), np.float32)
    flow[..., 0] = 2.0
    pairs, frac = G.flow_links(sp0, sp1, flow, min_fraction=0.0)
    links = {tuple(p): f for p, f in zip(pairs.tolist(), frac)}
    assert links == {(0, 0): pytest.approx(1.0), (1, 1): pytest.approx(1.0)}
    pairs, frac = G.flow_links(sp0, sp1, np.zeros_like(flow), min_fraction=0.0)
    links = {tuple(p): f for p, f in zip(pairs.tolist(), frac)}
    assert links[(1, 0)] == pytest.approx(0.5) and links[(1, 1)] == pytest.approx(0.5)


def test_segment_video_recovers_a_body_the_localisation_only_half_covers():
    """A dark square on grey, the localisation covering its left half only: colour model +
    contrast-sensitive smoothing extend the cut to the whole square; with lam_app = 0 and no
    smoothing the cut is the thresholded localisation."""
    rng = np.random.default_rng(0)
    frames, locs, gts = [], [], []
    for t in range(3):
        img = np.full((40, 40, 3), 150.0) + rng.normal(0, 3, (40, 40, 3))
        m = np.zeros((40, 40), bool)
        m[10:30, 10 + t:30 + t] = True
        img[m] = 40
        loc = np.zeros((40, 40))
        loc[12:28, 12 + t:20 + t] = 0.9
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
        locs.append(loc)
        gts.append(m)
    full = G.segment_video(frames, locs, n_segments=60, lam_s=4.0, init_fg=0.3, init_bg=0.05,
                           loc_clip=0.2)
    plain = G.segment_video(frames, locs, n_segments=60, lam_app=0.0, lam_s=0.0, lam_t=0.0,
                            iterations=1)
    iou = [(a & b).sum() / (a | b).sum() for a, b in zip(full, gts)]
    iou_plain = [(a & b).sum() / (a | b).sum() for a, b in zip(plain, gts)]
    assert min(iou) > 0.9
    assert max(iou_plain) < 0.6
