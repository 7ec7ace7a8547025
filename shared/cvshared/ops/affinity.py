"""Radius-limited pixel pairs, inter-pixel affinity and random-walk propagation.

Shared by AffinityNet / PSA (Ahn & Kwak, CVPR 2018), IRNet (Ahn et al., CVPR 2019) and
attention-diffusion methods such as AD-CAM.

Pixel pairs (PSA Sec. 3.2, IRN Sec. 3.2)
----------------------------------------
On an ``H x W`` grid (pixels numbered row-major, ``i = y * W + x``) a pair joins a *source*
pixel ``(y, x)`` to a *destination* ``(y + dy, x + dx)`` for every direction of the half disk

    ``D(r) = {(0, dx): 1 <= dx < r}  U  {(dy, dx): 1 <= dy < r, -r < dx < r, dx^2 + dy^2 < r^2}``

so that each unordered pair within distance ``< r`` is listed once (34 directions for r = 5,
the listing order above is PSA's).  As in the official code, sources are only the pixels whose
every destination is inside the grid: rows ``0 .. H - r`` and columns ``r - 1 .. W - r``
(``radius_floor = r - 1``).  Pairs are laid out direction-major: ``(D, N)`` with
``N = (H - r + 1) (W - 2r + 2)`` sources, flattened as ``d * N + n`` (PSA ``ind_to``).

* :func:`get_indices_of_pairs` -- PSA's ``tool/pyutils.py::get_indices_of_pairs`` (PSA order).
* :class:`PathIndex` -- IRN's ``misc/indexing.py::PathIndex``: the same pairs with the directions
  grouped by the number of pixels on their *path* (pixels of the bounding box whose distance to
  the segment's line is ``< 1``), shortest first, PSA order inside a group.  IRN's affinity
  vectors, displacement targets and losses use this order.

Affinity
--------
* PSA (Eq. 3): ``a_ij = exp(-mean_c |f_i - f_j|)`` (:func:`feature_affinity`, L1 mean over
  channels).
* IRN (Eq. 4): ``a_ij = 1 - max_{k in path(i, j)} B_k`` for a boundary map ``B``
  (:func:`edge_to_affinity`).

Random walk (PSA Eq. 5-6, IRN Sec. 3.4)
---------------------------------------
The dense affinity ``A`` (``n x n``, symmetric, ``A_ii = 1``, zero for pixels farther apart
than the radius) is raised element-wise to ``beta`` and normalised *per column* into the
transition matrix ``T = A^beta D^{-1}``, ``D = diag(sum_i A^beta_ij)``.  Class maps ``x``
(``C x n``, one row vector per class) are propagated as ``x T^t`` with ``t = 2^logt`` (PSA
``--logt 8``, IRN ``exp_times = 8``: 256 steps), computed officially by ``logt`` squarings of
``T``.  Because the columns of ``T`` sum to 1, each propagated value is a convex combination of
input values: constant maps are fixed points and the maximum cannot grow.

:func:`random_walk_dense` is that official dense computation (any dense affinity, e.g. an
attention matrix for AD-CAM).  :func:`random_walk` is the same operator evaluated as ``t``
sparse steps ``y <- D^{-1} (A^beta y)`` on the pair list, never forming an ``n x n`` matrix:
``O(t * C * n * |D(r)|)`` instead of ``O(logt * n^3)`` time and ``O(n * |D(r)|)`` memory.  It
equals the dense result up to float rounding; its steps run in float64, which makes it closer
to an exact evaluation than the official float32 squarings (4e-8 vs 1.3e-5 on the IRN golden).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'pair_directions',
    'direction_path',
    'get_indices_of_pairs',
    'PathIndex',
    'feature_affinity',
    'radius_feature_affinity',
    'edge_to_affinity',
    'pair_displacement',
    'pairs_to_dense',
    'transition_matrix',
    'random_walk_dense',
    'random_walk',
    'propagate_to_edge',
]


def pair_directions(radius: int) -> list[tuple[int, int]]:
    """The half-disk directions ``D(radius)`` as ``(dy, dx)``, in PSA order."""
    if int(radius) != radius or radius < 2:
        raise ValueError(f'radius must be an int >= 2, got {radius!r}')
    r = int(radius)
    dirs = [(0, dx) for dx in range(1, r)]
    dirs += [(dy, dx) for dy in range(1, r) for dx in range(-r + 1, r) if dx * dx + dy * dy < r * r]
    return dirs


def direction_path(dy: int, dx: int) -> list[tuple[int, int]]:
    """Offsets of the pixels on the path from ``(0, 0)`` to ``(dy, dx)`` (IRN convention).

    A pixel ``(y, x)`` of the bounding box of the two end points is on the path when its squared
    distance to the line through them, ``(dy x - dx y)^2 / (dy^2 + dx^2)``, is below 1.  The list
    is ordered by decreasing ``|y| + |x|`` (the destination first, the source ``(0, 0)`` last),
    ties in row-major order of the bounding box, as IRN lists it.
    """
    length_sq = dy * dy + dx * dx
    coords = [(y, x)
              for y in range(min(0, dy), max(0, dy) + 1)
              for x in range(min(0, dx), max(0, dx) + 1)
              if (dy * x - dx * y) ** 2 < length_sq]
    return sorted(coords, key=lambda c: -(abs(c[0]) + abs(c[1])))


def _grid_check(radius: int, size: tuple[int, int]) -> tuple[int, int, int]:
    h, w = int(size[0]), int(size[1])
    rf = int(radius) - 1
    if h - rf < 1 or w - 2 * rf < 1:
        raise ValueError(f'grid {h}x{w} is too small for radius {radius}: need H >= {rf + 1} and '
                         f'W >= {2 * rf + 1} (pad the map first)')
    return h, w, rf


def _shifted_indices(size: tuple[int, int], rf: int, dy: int, dx: int,
                     device=None) -> Tensor:
    """Flat indices of ``source + (dy, dx)`` for all sources, ``(N,)``."""
    h, w = size
    full = torch.arange(h * w, device=device).view(h, w)
    return full[dy:dy + h - rf, rf + dx:rf + dx + w - 2 * rf].reshape(-1)


def get_indices_of_pairs(radius: int, size: tuple[int, int],
                         device=None) -> tuple[Tensor, Tensor]:
    """PSA pair indices.

    Returns:
        ``ind_from`` ``(N,)`` source indices and ``ind_to`` ``(D * N,)`` destination indices,
        direction-major in :func:`pair_directions` order (int64).
    """
    h, w, rf = _grid_check(radius, size)
    ind_from = _shifted_indices((h, w), rf, 0, 0, device)
    ind_to = torch.cat([_shifted_indices((h, w), rf, dy, dx, device)
                        for dy, dx in pair_directions(radius)])
    return ind_from, ind_to


@dataclass
class PathIndex:
    """IRN pair indexing with paths (see the module docstring).

    Attributes (``L`` = path length, ``N`` = number of sources, ``D`` = directions):
        search_dst: ``(D, 2)`` directions ``(dy, dx)`` in IRN order (grouped by ``L``).
        search_paths: per path length, ``(n_L, L, 2)`` path offsets (destination first).
        path_indices: per path length, ``(n_L, L, N)`` flat pixel indices of the path pixels.
        src_indices: ``(N,)`` source indices.
        dst_indices: ``(D, N)`` destination indices (IRN order).
    """

    radius: int
    size: tuple[int, int]
    radius_floor: int = field(init=False)
    search_dst: Tensor = field(init=False)
    search_paths: list[Tensor] = field(init=False)
    path_indices: list[Tensor] = field(init=False)
    src_indices: Tensor = field(init=False)
    dst_indices: Tensor = field(init=False)

    def __post_init__(self):
        h, w, rf = _grid_check(self.radius, self.size)
        self.size = (h, w)
        self.radius_floor = rf
        by_length: dict[int, list[list[tuple[int, int]]]] = {}
        for dy, dx in pair_directions(self.radius):
            path = direction_path(dy, dx)
            by_length.setdefault(len(path), []).append(path)
        self.search_paths = [torch.tensor(by_length[n]) for n in sorted(by_length)]
        self.search_dst = torch.cat([p[:, 0] for p in self.search_paths])
        self.path_indices = [
            torch.stack([torch.stack([_shifted_indices((h, w), rf, int(dy), int(dx))
                                      for dy, dx in path.tolist()]) for path in paths])
            for paths in self.search_paths]
        self.src_indices = _shifted_indices((h, w), rf, 0, 0)
        self.dst_indices = torch.cat([p[:, 0] for p in self.path_indices])

    @property
    def num_directions(self) -> int:
        return int(self.search_dst.shape[0])


def feature_affinity(feat: Tensor, ind_from: Tensor, ind_to: Tensor) -> Tensor:
    """PSA affinity ``exp(-mean_c |f_i - f_j|)`` for the listed pairs.

    Args:
        feat: ``(B, C, H, W)``.
        ind_from: ``(N,)`` and ind_to: ``(D * N,)`` from :func:`get_indices_of_pairs` on (H, W).
    Returns:
        ``(B, D, N)``; differentiable w.r.t. ``feat``.
    """
    b, c = feat.shape[:2]
    flat = feat.reshape(b, c, -1)
    n = ind_from.numel()
    if ind_to.numel() % n:
        raise ValueError(f'ind_to ({ind_to.numel()}) is not a multiple of ind_from ({n})')
    src = flat.index_select(2, ind_from.to(feat.device)).unsqueeze(2)  # (B, C, 1, N)
    dst = flat.index_select(2, ind_to.to(feat.device)).view(b, c, -1, n)  # (B, C, D, N)
    return torch.exp(-(dst - src).abs().mean(dim=1))


class _RadiusFeatureAffinity(torch.autograd.Function):
    """``exp(-mean_c |f_dst - f_src|)`` per direction, recomputing differences in backward."""

    @staticmethod
    def forward(ctx, feat: Tensor, radius: int) -> Tensor:
        b, c, h, w = feat.shape
        _, _, rf = _grid_check(radius, (h, w))
        dirs = pair_directions(radius)
        hh, ww = h - rf, w - 2 * rf
        src = feat[:, :, :hh, rf:rf + ww]
        out = feat.new_empty(b, len(dirs), hh, ww)
        for k, (dy, dx) in enumerate(dirs):
            dst = feat[:, :, dy:dy + hh, rf + dx:rf + dx + ww]
            out[:, k] = torch.exp(-(dst - src).abs().mean(dim=1))
        ctx.save_for_backward(feat, out)
        ctx.radius = radius
        return out.view(b, len(dirs), hh * ww)

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        feat, out = ctx.saved_tensors
        b, c, h, w = feat.shape
        rf = ctx.radius - 1
        hh, ww = h - rf, w - 2 * rf
        grad_out = grad_out.view(out.shape)
        grad = torch.zeros_like(feat)
        src = feat[:, :, :hh, rf:rf + ww]
        for k, (dy, dx) in enumerate(pair_directions(ctx.radius)):
            dst = feat[:, :, dy:dy + hh, rf + dx:rf + dx + ww]
            # d a / d f_dst = -a / C * sign(f_dst - f_src); d a / d f_src is its negative.
            g = (grad_out[:, k] * out[:, k] * (-1.0 / c)).unsqueeze(1) * (dst - src).sign()
            grad[:, :, dy:dy + hh, rf + dx:rf + dx + ww] += g
            grad[:, :, :hh, rf:rf + ww] -= g
        return grad, None


def radius_feature_affinity(feat: Tensor, radius: int) -> Tensor:
    """:func:`feature_affinity` for all PSA pairs of radius ``radius`` on ``feat``'s grid.

    Equal to ``feature_affinity(feat, *get_indices_of_pairs(radius, feat.shape[-2:]))`` (same
    float operations per pair) but computed one direction at a time on strided views: no
    ``(B, C, D, N)`` intermediate, and the backward pass recomputes the differences instead of
    storing them.  Returns ``(B, D, N)``.
    """
    if feat.dim() != 4:
        raise ValueError(f'feat must be (B, C, H, W), got {tuple(feat.shape)}')
    return _RadiusFeatureAffinity.apply(feat, int(radius))


class _PathMaxAffinity(torch.autograd.Function):
    """``1 - max`` over the path views per direction; backward routes to the arg-max pixel.

    Only the boundary map is saved.  The backward pass recomputes, for the directions of one path
    length at a time, the first path pixel (in IRN path order) that attains the maximum and adds
    the gradient there with one ``index_add_``.  For 16/32-bit floats the arg-max comes from a
    running integer ``maximum`` of order-preserving keys carrying the path position in their low
    bits (:meth:`_backward_keys`, one pass per path pixel, no ``(n_L, L, N)`` buffers); float64
    uses explicit comparisons.
    """

    @staticmethod
    def _views(grid: Tensor, path: list, rf: int):
        hh, ww = grid.shape[1] - rf, grid.shape[2] - 2 * rf
        return [(dy, dx, grid[:, dy:dy + hh, rf + dx:rf + dx + ww]) for dy, dx in path]

    @staticmethod
    def _running_max(views) -> Tensor:
        best = views[0][2]
        for _, _, v in views[1:]:
            best = torch.maximum(best, v)
        return best

    @staticmethod
    def forward(ctx, grid: Tensor, path_index: PathIndex) -> Tensor:
        rf = path_index.radius_floor
        out = [1 - _PathMaxAffinity._running_max(_PathMaxAffinity._views(grid, path, rf))
               for paths in path_index.search_paths for path in paths.tolist()]
        ctx.save_for_backward(grid)
        ctx.path_index = path_index
        return torch.stack(out, dim=1).flatten(2)

    @staticmethod
    def _order_keys(grid: Tensor, shift: int) -> Tensor:
        """int64 keys ``k(x) << shift`` with ``k`` strictly increasing in the float32 value.

        ``-0.0`` is first turned into ``+0.0`` (they compare equal as floats); for negative
        floats the 31 magnitude bits are inverted, so the signed integer order is the float
        order.  The ``shift`` low bits are left free for a tie-break rank.
        """
        bits = (grid.float() + 0.0).view(torch.int32)
        bits = bits ^ ((bits >> 31) & 0x7FFFFFFF)
        return bits.long() << shift

    @staticmethod
    def _backward_keys(grid: Tensor, grad_out: Tensor, path_index: PathIndex) -> Tensor:
        """Backward for 16/32-bit floats: one integer ``maximum`` per path pixel.

        A path pixel at position ``j`` of a path gets the key ``k(B) << s | (L_max - 1 - j)``;
        the largest key of a path is the largest value and, among equal values, the smallest
        ``j`` -- exactly the first maximum in path order, read off the low bits.
        """
        rf = path_index.radius_floor
        nb, h, w = grid.shape
        hh, ww = h - rf, w - 2 * rf
        dev = grid.device
        l_max = max(int(paths.shape[1]) for paths in path_index.search_paths)
        shift = max(1, (l_max - 1).bit_length())
        rank = torch.arange(l_max - 1, -1, -1, device=dev).view(-1, 1, 1, 1)
        keys = _PathMaxAffinity._order_keys(grid, shift).unsqueeze(0) + rank  # (L_max, B, H, W)
        low = (1 << shift) - 1
        src = (torch.arange(nb, device=dev).view(-1, 1, 1) * (h * w)
               + torch.arange(hh, device=dev).view(1, -1, 1) * w
               + torch.arange(rf, rf + ww, device=dev).view(1, 1, -1)).view(1, -1)
        grad = torch.zeros(nb * h * w, dtype=grad_out.dtype, device=dev)
        k = 0
        for paths in path_index.search_paths:
            n_dirs, length = paths.shape[:2]
            best = torch.empty(n_dirs, nb, hh, ww, dtype=torch.long, device=dev)
            for d, path in enumerate(paths.tolist()):
                views = [keys[j, :, dy:dy + hh, rf + dx:rf + dx + ww]
                         for j, (dy, dx) in enumerate(path)]
                if length == 1:
                    best[d].copy_(views[0])
                    continue
                torch.maximum(views[0], views[1], out=best[d])
                for v in views[2:]:
                    torch.maximum(best[d], v, out=best[d])
            pos = (l_max - 1) - (best.view(n_dirs, -1) & low)  # first arg-max path position
            table = (paths[..., 0] * w + paths[..., 1]).to(dev)  # (n_dirs, L) flat offsets
            target = torch.gather(table, 1, pos).add_(src)
            g = grad_out[:, k:k + n_dirs].transpose(0, 1).reshape(-1)  # (n_dirs, B, N) order
            grad.index_add_(0, target.view(-1), g, alpha=-1)
            k += n_dirs
        return grad.view(nb, h, w)

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        (grid,) = ctx.saved_tensors
        path_index = ctx.path_index
        if grid.dtype in (torch.float32, torch.float16, torch.bfloat16):
            return _PathMaxAffinity._backward_keys(grid, grad_out, path_index), None
        rf = path_index.radius_floor
        nb, h, w = grid.shape
        hh, ww = h - rf, w - 2 * rf
        dev = grid.device
        # flat index of every source pixel in the (B, H, W) grid
        src = (torch.arange(nb, device=dev).view(-1, 1, 1) * (h * w)
               + torch.arange(hh, device=dev).view(1, -1, 1) * w
               + torch.arange(rf, rf + ww, device=dev).view(1, 1, -1))
        grad = torch.zeros(nb * h * w, dtype=grid.dtype, device=dev)
        k = 0
        for paths in path_index.search_paths:  # directions sharing a path length, together
            n_dirs, length = paths.shape[:2]
            vals = torch.stack([grid[:, dy:dy + hh, rf + dx:rf + dx + ww]
                                for dy, dx in paths.reshape(-1, 2).tolist()])
            vals = vals.view(n_dirs, length, -1)  # (n_dirs, L, B*hh*ww)
            best = vals.amax(dim=1, keepdim=True)
            # first path position attaining the max = largest (L - j) among the maximisers; plain
            # reductions (max/argmax with indices over a non-innermost dim are slow on CPU)
            rev = torch.arange(length, 0, -1, device=dev, dtype=vals.dtype).view(1, -1, 1)
            hits = (vals == best).to(vals.dtype).mul_(rev)
            del vals, best
            arg = (length - hits.amax(dim=1)).long()  # (n_dirs, B*hh*ww)
            del hits
            table = (paths[..., 0] * w + paths[..., 1]).to(dev)  # (n_dirs, L) flat offsets
            target = torch.gather(table, 1, arg)
            g = grad_out[:, k:k + n_dirs].transpose(0, 1).reshape(-1)  # (n_dirs, B, N) order
            grad.index_add_(0, (src.reshape(1, -1) + target).reshape(-1), -g)
            k += n_dirs
        return grad.view(nb, h, w), None


def edge_to_affinity(edge: Tensor, path_index: PathIndex) -> Tensor:
    """IRN affinity ``1 - max_{k on path} B_k`` for every pair.

    Computed per direction as the maximum over strided views of the path offsets (no
    ``(B, n_L, L, N)`` gather as in the official code; same values).

    Args:
        edge: boundary probabilities ``(B, H, W)`` or ``(B, 1, H, W)`` on ``path_index.size``.
    Returns:
        ``(B, D, N)`` in IRN direction order.  Differentiable: the gradient goes to the path
        pixel holding the maximum (the first one in path order on ties), like the official
        ``max_pool2d``.
    """
    h, w = path_index.size
    if edge.numel() != edge.shape[0] * h * w:
        raise ValueError(f'edge map {tuple(edge.shape)} does not match PathIndex size '
                         f'{path_index.size}')
    return _PathMaxAffinity.apply(edge.reshape(edge.shape[0], h, w), path_index).view(
        edge.shape[0], path_index.num_directions, -1)


def pair_displacement(disp: Tensor, path_index: PathIndex) -> Tensor:
    """IRN pair displacement ``D_src - D_dst`` for every pair.

    Args:
        disp: displacement field ``(B, 2, H, W)`` (channels ``(dy, dx)``) on ``path_index.size``.
    Returns:
        ``(B, 2, D, N)``; the fg target for pair ``(src, src + delta)`` is ``delta =
        path_index.search_dst[d]`` (IRN's ``disp_target``), the bg target 0.
    """
    b, c = disp.shape[:2]
    flat = disp.reshape(b, c, -1)
    src = flat.index_select(2, path_index.src_indices.to(disp.device)).unsqueeze(2)
    dst = flat.index_select(2, path_index.dst_indices.reshape(-1).to(disp.device))
    return src - dst.view(b, c, *path_index.dst_indices.shape)


def _pair_lists(ind_from: Tensor, ind_to: Tensor) -> tuple[Tensor, Tensor]:
    """Flat ``(src, dst)`` of equal length: ``ind_from`` ``(N,)`` repeats over the directions."""
    dst = ind_to.reshape(-1)
    n = ind_from.numel()
    if n == 0 or dst.numel() % n:
        raise ValueError(f'ind_to ({dst.numel()}) is not a multiple of ind_from ({n})')
    src = ind_from.reshape(1, -1).expand(dst.numel() // n, -1).reshape(-1)
    return src, dst


def pairs_to_dense(aff: Tensor, ind_from: Tensor, ind_to: Tensor, num_nodes: int) -> Tensor:
    """Symmetric dense affinity with unit diagonal from pair affinities.

    Args:
        aff: ``(D, N)`` / ``(D * N,)`` or batched ``(B, D, N)`` pair affinities.
        ind_from: ``(N,)`` (or one entry per pair); ind_to: ``(D * N,)`` or ``(D, N)``, in the
            order of ``aff``.  Pairs must be unique unordered pairs (true for
            :func:`get_indices_of_pairs` / :class:`PathIndex`).
        num_nodes: ``n`` (= H * W of the grid the indices refer to).
    Returns:
        ``(n, n)`` (or ``(B, n, n)``) with ``A[i, j] = A[j, i] = a_ij`` for listed pairs,
        ``A[i, i] = 1`` and 0 elsewhere (PSA ``forward(to_dense=True)`` / IRN
        ``affinity_sparse2dense``, which sum the entries of a sparse tensor; so does this).
        Differentiable w.r.t. ``aff``.
    """
    batched = aff.dim() == 3
    vals = aff.reshape(aff.shape[0], -1) if batched else aff.reshape(1, -1)
    src, dst = _pair_lists(ind_from.to(aff.device), ind_to.to(aff.device))
    if vals.shape[1] != dst.numel():
        raise ValueError(f'affinity lists {vals.shape[1]} pairs, the indices {dst.numel()}')
    nb = vals.shape[0]
    bidx = torch.arange(nb, device=aff.device).view(-1, 1).expand_as(vals).reshape(-1)
    src_b, dst_b = src.repeat(nb), dst.repeat(nb)
    ids = torch.arange(num_nodes, device=aff.device)
    dense = vals.new_zeros(nb, num_nodes, num_nodes)
    dense[:, ids, ids] = 1
    dense = dense.index_put((bidx, src_b, dst_b), vals.reshape(-1), accumulate=True)
    dense = dense.index_put((bidx, dst_b, src_b), vals.reshape(-1), accumulate=True)
    return dense if batched else dense[0]


def transition_matrix(affinity: Tensor, beta: float, logt: int = 0) -> Tensor:
    """``T = (A^beta / column sums)^(2^logt)`` from a dense affinity ``(..., n, n)``.

    ``logt = 0`` returns the one-step column-stochastic matrix; otherwise ``T`` is squared
    ``logt`` times, the official PSA / IRN evaluation of ``T^(2^logt)``.
    """
    scaled = affinity.pow(beta)
    trans = scaled / scaled.sum(dim=-2, keepdim=True)
    for _ in range(int(logt)):
        trans = trans @ trans
    return trans


def random_walk_dense(x: Tensor, affinity: Tensor, beta: float, logt: int) -> Tensor:
    """``vec(x) T^(2^logt)`` with ``T`` from :func:`transition_matrix` (official computation).

    Args:
        x: ``(C, ...)`` maps with ``n`` pixels after the class dim (e.g. ``(C, H, W)``).
        affinity: dense ``(n, n)`` affinity (any non-negative matrix with positive column sums).
    Returns:
        tensor of ``x``'s shape.
    """
    trans = transition_matrix(affinity, beta, logt)
    return (x.reshape(x.shape[0], -1) @ trans).view(x.shape)


def random_walk(x: Tensor, aff: Tensor, ind_from: Tensor, ind_to: Tensor, beta: float,
                logt: int, compute_dtype: torch.dtype | None = torch.float64) -> Tensor:
    """Sparse random walk, equal to :func:`random_walk_dense` of :func:`pairs_to_dense`.

    Evaluates ``x T^(2^logt)`` as ``2^logt`` steps ``y <- D^{-1} (A^beta y)`` on ``y = x^T``
    (``T^T = D^{-1} A^beta`` because ``A`` is symmetric) with a sparse CSR matrix built from the
    pair list.  The steps run in ``compute_dtype`` (float64 by default: 256 float32 steps drift
    by ~1e-4 relative, more than the official 8 float32 squarings; the sparse steps are cheap
    enough in float64).  ``None`` keeps ``x``'s dtype.  Not differentiable w.r.t. ``aff``
    (inference-time op, as in PSA and IRN).

    Args:
        x: ``(C, ...)`` with ``n`` pixels after the class dim.
        aff: ``(D, N)`` or ``(D * N,)`` pair affinities; ind_from ``(N,)`` (or one per pair);
            ind_to ``(D * N,)`` or ``(D, N)``.
    Returns:
        tensor of ``x``'s shape and dtype.
    """
    n = x[0].numel()
    dev = x.device
    dtype = compute_dtype or x.dtype
    src, dst = _pair_lists(ind_from.to(dev), ind_to.to(dev))
    if aff.numel() != dst.numel():
        raise ValueError(f'affinity lists {aff.numel()} pairs, the indices {dst.numel()}')
    w = aff.detach().reshape(-1).to(dtype).pow(beta)
    ids = torch.arange(n, device=dev)
    rows = torch.cat([ids, src, dst])
    cols = torch.cat([ids, dst, src])
    weights = torch.cat([torch.ones(n, dtype=dtype, device=dev), w, w])
    degree = torch.zeros(n, dtype=dtype, device=dev).index_add_(0, cols, weights)
    with warnings.catch_warnings():  # torch flags sparse CSR as beta; the ops used are stable
        warnings.simplefilter('ignore', UserWarning)
        step = torch.sparse_coo_tensor(torch.stack([rows, cols]), weights / degree[rows], (n, n),
                                       check_invariants=False).coalesce().to_sparse_csr()
        y = x.detach().reshape(x.shape[0], -1).t().to(dtype).contiguous()  # (n, C)
        for _ in range(2 ** int(logt)):
            y = step @ y
    return y.t().to(x.dtype).reshape(x.shape)


def propagate_to_edge(x: Tensor, edge: Tensor, radius: int = 5, beta: float = 10,
                      exp_times: int = 8, method: str = 'sparse') -> Tensor:
    """IRN semantic propagation (``misc/indexing.py::propagate_to_edge``).

    Pairs within ``radius`` of *every* pixel (the official code pads the boundary map by
    ``radius`` with 1 on the left, right and bottom and crops the dense matrix back, so pairs
    reaching outside the image vanish), affinity ``1 - max B`` on the path, ``T`` with
    ``beta``, ``2^exp_times`` steps, applied to ``x * (1 - B)``.

    Args:
        x: ``(C, H, W)`` class maps (IRN: CAMs at stride 4).
        edge: boundary map ``(H, W)`` or ``(1, H, W)``.
        method: ``'sparse'`` (:func:`random_walk`) or ``'dense'`` (official squaring).
    Returns:
        ``(C, 1, H, W)`` (the official output shape).
    """
    h, w = x.shape[-2:]
    edge = edge.reshape(1, h, w)
    padded = F.pad(edge, (radius, radius, 0, radius), value=1.0)
    ph, pw = padded.shape[-2:]
    index = PathIndex(radius, (ph, pw))
    aff = edge_to_affinity(padded, index)[0]  # (D, N) on the padded grid
    src = index.src_indices.to(x.device)
    dst = index.dst_indices.to(x.device)
    # Keep the pairs with both ends in the image, renumbered on the H x W grid.
    sy, sx = src // pw, src % pw - radius
    dy, dx = dst // pw, dst % pw - radius
    inside_src = (sy < h) & (sx >= 0) & (sx < w)
    inside = inside_src.unsqueeze(0) & (dy < h) & (dx >= 0) & (dx < w)
    src_img = (sy * w + sx).unsqueeze(0).expand_as(dst)[inside]
    dst_img = (dy * w + dx)[inside]
    vals = aff[inside]
    x = x.reshape(-1, h, w) * (1 - edge)
    if method == 'dense':
        dense = pairs_to_dense(vals, src_img, dst_img, h * w)
        rw = random_walk_dense(x, dense, beta, exp_times)
    elif method == 'sparse':
        rw = random_walk(x, vals, src_img, dst_img, beta, exp_times)
    else:
        raise ValueError(f"method must be 'sparse' or 'dense', got {method!r}")
    return rw.reshape(-1, 1, h, w)
