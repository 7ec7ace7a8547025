"""Graph-based video segmentation (paper Sec. 3.2, "video segmentation"): per video, a binary
(background 0 / foreground 1) labelling of spatio-temporal superpixel nodes that minimises

    E(x) = sum_i U_i(x_i) + sum_{(i,j) in S} w_ij [x_i != x_j] + sum_{(i,j) in T} w_ij [x_i != x_j]
                                                                                         (E1)

over the superpixels ``i`` of the retained frames, with

* the unary (E2) ``U_i(x) = a_i * (-lam_loc * log P_loc(x | i) - lam_app * log P_app(x | c_i))``:
  ``P_loc(1 | i)`` = the mean class-specific localisation score (the encoder's normalised
  CAM, Sec. 3.1) in the superpixel, ``P_app`` the posterior of a foreground / background colour
  model (two Gaussian mixtures on the superpixels' mean Lab colours), ``a_i`` the superpixel's
  area over the mean area;
* the spatial pairwise term (E3) between superpixels that touch in a frame,
  ``w_ij = lam_s * exp(-beta ||c_i - c_j||^2)`` with ``beta = 1 / (2 mean ||c_i - c_j||^2)``;
* the temporal pairwise term (E4) between a superpixel of frame t and one of frame t + 1 that
  the optical flow (Farneback) of frame t carries its pixels into,
  ``w_ij = lam_t * f_ij * exp(-beta ||c_i - c_j||^2)``, ``f_ij`` the fraction of i's pixels
  that land in j.

E1 is submodular (Potts pairwise, ``w >= 0``), so a minimum s-t cut gives its exact minimum
(:func:`minimize_energy`, PyMaxflow's Boykov-Kolmogorov). The colour models are re-estimated
from the current labelling and the cut is repeated ``iterations`` times (GrabCut-style
alternation; the initial labelling is ``P_loc >= init_thres``).

The paper states the structure (superpixel graph over the retained frames, unaries from the
localisation and an appearance model, spatial and optical-flow temporal smoothness, a graph
cut); the functional forms above, the weights and the alternation are ours (README, "taken
from the paper" vs "decided by us"): only the abstract of the paper's stored text could be
read while writing this, so the equation numbers E1-E4 are this package's.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-4


def energy(unary: np.ndarray, edges: np.ndarray, weights: np.ndarray,
           labels: np.ndarray) -> float:
    """E1 of a labelling: ``unary`` ``(N, 2)`` (cost of label 0 / 1 per node), ``edges``
    ``(E, 2)`` node pairs, ``weights`` ``(E,)`` Potts weights, ``labels`` ``(N,)`` in {0, 1}."""
    unary = np.asarray(unary, np.float64)
    labels = np.asarray(labels, np.int64)
    e = float(unary[np.arange(len(labels)), labels].sum())
    if len(edges):
        edges = np.asarray(edges, np.int64)
        e += float((np.asarray(weights, np.float64)
                    * (labels[edges[:, 0]] != labels[edges[:, 1]])).sum())
    return e


def _check(unary, edges, weights):
    unary = np.asarray(unary, np.float64)
    if unary.ndim != 2 or unary.shape[1] != 2:
        raise ValueError(f'unary must be (N, 2), got {unary.shape}')
    edges = np.asarray(edges, np.int64).reshape(-1, 2)
    weights = np.asarray(weights, np.float64).reshape(-1)
    if len(edges) != len(weights):
        raise ValueError(f'{len(edges)} edges but {len(weights)} weights')
    if (weights < 0).any():
        raise ValueError('pairwise weights must be >= 0 (E1 is then submodular)')
    if len(edges) and (edges.min() < 0 or edges.max() >= len(unary)):
        raise ValueError('an edge names a node outside 0..N-1')
    return unary, edges, weights


def minimize_energy(unary: np.ndarray, edges: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Exact minimiser of E1 by a minimum s-t cut (PyMaxflow). Returns ``int64 (N,)``.

    Node ``i`` in the sink segment is label 1: the edge source -> i (capacity ``U_i(1)``) is
    cut then; the edge i -> sink (capacity ``U_i(0)``) when it stays with the source. Each
    node's two unaries are shifted by their minimum (a constant of E1)."""
    import maxflow
    unary, edges, weights = _check(unary, edges, weights)
    n = len(unary)
    shifted = unary - unary.min(1, keepdims=True)
    g = maxflow.Graph[float](n, len(edges))
    g.add_nodes(n)
    for i in range(n):
        g.add_tedge(i, shifted[i, 1], shifted[i, 0])
    for (i, j), w in zip(edges, weights):
        if w > 0 and i != j:
            g.add_edge(int(i), int(j), float(w), float(w))
    g.maxflow()
    return np.array([g.get_segment(i) for i in range(n)], np.int64)


# --------------------------------------------------------------------------- graph building
def superpixels(frame: np.ndarray, n_segments: int, compactness: float) -> np.ndarray:
    """SLIC superpixels (scikit-image) of an RGB ``uint8 H x W x 3`` frame, ids 0..K-1."""
    from skimage.segmentation import slic
    sp = slic(frame, n_segments=n_segments, compactness=compactness, start_label=0,
              channel_axis=-1)
    _, sp = np.unique(sp, return_inverse=True)
    return sp.reshape(frame.shape[:2]).astype(np.int64)


def spatial_edges(sp: np.ndarray) -> np.ndarray:
    """Unique pairs ``(i, j)``, ``i < j``, of superpixels with 4-adjacent pixels."""
    pairs = [np.stack([sp[:, :-1].ravel(), sp[:, 1:].ravel()], 1),
             np.stack([sp[:-1].ravel(), sp[1:].ravel()], 1)]
    p = np.concatenate(pairs)
    p = p[p[:, 0] != p[:, 1]]
    p = np.sort(p, 1)
    return np.unique(p, axis=0) if len(p) else np.zeros((0, 2), np.int64)


def flow_links(sp0: np.ndarray, sp1: np.ndarray, flow: np.ndarray,
               min_fraction: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Temporal links of E4: ``(pairs (E, 2) of (superpixel in frame t, in frame t + 1),
    fractions f_ij (E,))``. Each pixel of frame t moves by its flow ``(dx, dy)`` (rounded,
    clipped to the frame); ``f_ij`` = the share of i's pixels landing in j; links under
    ``min_fraction`` are dropped."""
    h, w = sp0.shape
    yy, xx = np.mgrid[:h, :w]
    x1 = np.clip(np.rint(xx + flow[..., 0]), 0, w - 1).astype(np.int64)
    y1 = np.clip(np.rint(yy + flow[..., 1]), 0, h - 1).astype(np.int64)
    a, b = sp0.ravel(), sp1[y1, x1].ravel()
    n1 = int(sp1.max()) + 1
    pair_ids, counts = np.unique(a * n1 + b, return_counts=True)
    size0 = np.bincount(a)
    i, j = pair_ids // n1, pair_ids % n1
    frac = counts / size0[i]
    keep = frac >= min_fraction
    return np.stack([i[keep], j[keep]], 1), frac[keep]


def farneback_flow(f0: np.ndarray, f1: np.ndarray) -> np.ndarray:
    """Dense optical flow frame t -> t + 1 (OpenCV Farneback) of two RGB frames, ``H x W x 2``."""
    import cv2
    g0 = cv2.cvtColor(f0, cv2.COLOR_RGB2GRAY)
    g1 = cv2.cvtColor(f1, cv2.COLOR_RGB2GRAY)
    return cv2.calcOpticalFlowFarneback(g0, g1, None, 0.5, 3, 15, 3, 5, 1.2, 0)


def _mean_per(sp: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    flat = sp.ravel()
    cnt = np.bincount(flat, minlength=k).astype(np.float64)
    v = values.reshape(len(flat), -1)
    out = np.stack([np.bincount(flat, v[:, c], minlength=k) for c in range(v.shape[1])], 1)
    return out / np.maximum(cnt, 1)[:, None]


@dataclass
class VideoGraph:
    """The spatio-temporal superpixel graph of one video's retained frames."""
    sp: list                 # per frame: H x W superpixel ids, local to the frame
    offsets: np.ndarray      # first global node id of each frame
    area: np.ndarray         # (N,) pixels
    color: np.ndarray        # (N, 3) mean Lab colour
    loc: np.ndarray          # (N,) mean localisation score
    spatial: np.ndarray      # (Es, 2) global ids
    temporal: np.ndarray     # (Et, 2) global ids
    temporal_frac: np.ndarray  # (Et,) f_ij


def build_graph(frames, loc_maps, n_segments: int = 100, compactness: float = 10.0,
                linked=None, min_fraction: float = 0.05) -> VideoGraph:
    """The graph of E1 for RGB ``frames`` (``T`` arrays ``H x W x 3`` uint8) and their
    localisation maps (``T`` arrays ``H x W`` in [0, 1]). ``linked[t]`` (default all True):
    frame t and t + 1 are consecutive in the video (no temporal edges across a rejected
    frame)."""
    from skimage.color import rgb2lab
    t_count = len(frames)
    if t_count == 0:
        raise ValueError('build_graph needs at least one frame')
    if len(loc_maps) != t_count:
        raise ValueError(f'{t_count} frames but {len(loc_maps)} localisation maps')
    linked = [True] * max(t_count - 1, 0) if linked is None else list(linked)
    sps, offsets, areas, colors, locs, spatial = [], [], [], [], [], []
    labs = []
    n = 0
    for f, m in zip(frames, loc_maps):
        if m.shape != f.shape[:2]:
            raise ValueError(f'localisation map {m.shape} does not match its frame '
                             f'{f.shape[:2]}')
        sp = superpixels(f, n_segments, compactness)
        k = int(sp.max()) + 1
        lab = rgb2lab(f)
        labs.append(lab)
        sps.append(sp)
        offsets.append(n)
        areas.append(np.bincount(sp.ravel(), minlength=k))
        colors.append(_mean_per(sp, lab, k))
        locs.append(_mean_per(sp, np.asarray(m, np.float64), k)[:, 0])
        spatial.append(spatial_edges(sp) + n)
        n += k
    temporal, fracs = [np.zeros((0, 2), np.int64)], [np.zeros(0)]
    for t in range(t_count - 1):
        if not linked[t]:
            continue
        flow = farneback_flow(frames[t], frames[t + 1])
        pairs, frac = flow_links(sps[t], sps[t + 1], flow, min_fraction)
        temporal.append(pairs + np.array([offsets[t], offsets[t + 1]]))
        fracs.append(frac)
    return VideoGraph(sp=sps, offsets=np.asarray(offsets), area=np.concatenate(areas),
                      color=np.concatenate(colors), loc=np.concatenate(locs),
                      spatial=np.concatenate(spatial).reshape(-1, 2),
                      temporal=np.concatenate(temporal).reshape(-1, 2),
                      temporal_frac=np.concatenate(fracs))


def pairwise_weights(g: VideoGraph, lam_s: float, lam_t: float):
    """``(edges, weights)`` of E3 + E4 (contrast-sensitive Potts, GrabCut's beta)."""
    edges = np.concatenate([g.spatial, g.temporal]).astype(np.int64)
    if not len(edges):
        return edges.reshape(0, 2), np.zeros(0)
    d2 = ((g.color[edges[:, 0]] - g.color[edges[:, 1]]) ** 2).sum(1)
    beta = 1.0 / (2.0 * max(d2.mean(), EPS))
    sim = np.exp(-beta * d2)
    ns = len(g.spatial)
    w = np.concatenate([lam_s * sim[:ns], lam_t * g.temporal_frac * sim[ns:]])
    return edges, w


def appearance_posterior(colors: np.ndarray, labels: np.ndarray, components: int = 3,
                         seed: int = 0) -> np.ndarray:
    """``P_app(1 | c_i)`` from two Gaussian mixtures (scikit-learn, diagonal covariances)
    fitted on the colours of the nodes labelled 1 and 0 (-1: unused); 0.5 everywhere when one
    side has fewer nodes than components."""
    from sklearn.mixture import GaussianMixture
    fg, bg = colors[labels == 1], colors[labels == 0]
    if len(fg) < components or len(bg) < components:
        return np.full(len(colors), 0.5)
    lp = []
    for part in (bg, fg):
        gm = GaussianMixture(components, covariance_type='diag', reg_covar=1.0,
                             random_state=seed).fit(part)
        lp.append(gm.score_samples(colors))
    d = np.clip(lp[1] - lp[0], -50, 50)
    return 1.0 / (1.0 + np.exp(-d))


def unaries(g: VideoGraph, p_app: np.ndarray | None, lam_loc: float, lam_app: float,
            loc_clip: float = EPS):
    """E2 as ``(N, 2)`` costs of background / foreground; ``P_loc`` clipped to
    ``[loc_clip, 1 - loc_clip]`` (how far the localisation alone may push a node)."""
    loc = np.clip(g.loc, loc_clip, 1 - loc_clip)
    u = lam_loc * np.stack([-np.log(1 - loc), -np.log(loc)], 1)
    if p_app is not None and lam_app > 0:
        pa = np.clip(p_app, EPS, 1 - EPS)
        u = u + lam_app * np.stack([-np.log(1 - pa), -np.log(pa)], 1)
    return u * (g.area / g.area.mean())[:, None]


def segment_video(frames, loc_maps, linked=None, n_segments: int = 100,
                  compactness: float = 10.0, lam_loc: float = 1.0, lam_app: float = 1.0,
                  lam_s: float = 2.0, lam_t: float = 2.0, iterations: int = 2,
                  init_fg: float = 0.5, init_bg: float = 0.5, loc_clip: float = EPS,
                  min_fraction: float = 0.05) -> np.ndarray:
    """Binary masks ``bool (T, H, W)`` of the retained frames of one video by E1 (module
    docstring), ``iterations`` alternations of colour-model fitting and graph cut. The first
    colour models are fitted on the nodes with ``P_loc >= init_fg`` (foreground) and
    ``P_loc < init_bg`` (background), later ones on the current cut."""
    g = build_graph(frames, loc_maps, n_segments, compactness, linked, min_fraction)
    edges, w = pairwise_weights(g, lam_s, lam_t)
    labels = np.where(g.loc >= init_fg, 1, np.where(g.loc < init_bg, 0, -1))
    for _ in range(max(1, iterations)):
        p_app = appearance_posterior(g.color, labels) if lam_app > 0 else None
        labels = minimize_energy(unaries(g, p_app, lam_loc, lam_app, loc_clip), edges, w)
    return np.stack([labels[off + sp] for off, sp in zip(g.offsets, g.sp)]).astype(bool)
