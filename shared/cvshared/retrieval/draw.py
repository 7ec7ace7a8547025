"""Retrieval grids: a query and its top-K neighbours, a green border for a neighbour of the
query's class and a red one otherwise (the query has a grey border).

* :func:`retrieval_grid` lays out images already in memory (``(H, W, 3)`` uint8 RGB arrays).
* :func:`save_retrieval_grids` picks queries of a test set (seeded), searches their neighbours
  with :func:`cvshared.metrics.retrieval.knn_search` (leave-one-out, or query vs gallery with a
  ``query_mask``) and writes one PNG per query, ``<out_dir>/<index>_<stem>.png``. A paper's
  visualisation hook calls it from ``after_test_epoch`` with the collected embeddings when
  ``--show-dir`` is given.
"""
from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

import numpy as np
from PIL import Image

from ..datasets.io import open_image
from ..metrics.retrieval import knn_search

__all__ = ['retrieval_grid', 'save_retrieval_grids', 'CORRECT', 'WRONG', 'QUERY']

CORRECT = (40, 200, 60)
WRONG = (220, 40, 40)
QUERY = (128, 128, 128)


def _tile(img: np.ndarray, size: int, border: int, colour: Sequence[int]) -> np.ndarray:
    inner = size - 2 * border
    pil = Image.fromarray(np.asarray(img, dtype=np.uint8)).convert('RGB')
    pil.thumbnail((inner, inner), Image.BILINEAR)
    out = np.empty((size, size, 3), np.uint8)
    out[:] = colour
    canvas = np.full((inner, inner, 3), 255, np.uint8)
    arr = np.asarray(pil)
    y0, x0 = (inner - arr.shape[0]) // 2, (inner - arr.shape[1]) // 2
    canvas[y0:y0 + arr.shape[0], x0:x0 + arr.shape[1]] = arr
    out[border:border + inner, border:border + inner] = canvas
    return out


def retrieval_grid(query: np.ndarray, neighbours: Sequence[np.ndarray], correct: Sequence[bool],
                   tile: int = 96, border: int = 4, gap: int = 6) -> np.ndarray:
    """One row: the query, a gap, then the neighbours best first. Returns ``(H, W, 3)`` uint8."""
    if len(neighbours) != len(correct):
        raise ValueError(f'retrieval_grid: {len(neighbours)} neighbours but {len(correct)} '
                         'correctness flags')
    if tile <= 2 * border:
        raise ValueError(f'retrieval_grid: tile ({tile}) must exceed twice the border ({border})')
    tiles = [_tile(query, tile, border, QUERY), np.full((tile, gap, 3), 255, np.uint8)]
    for img, ok in zip(neighbours, correct):
        tiles.append(_tile(img, tile, border, CORRECT if ok else WRONG))
    return np.concatenate(tiles, axis=1)


def save_retrieval_grids(embeddings, labels, img_paths: Sequence[str], out_dir: str,
                         num_queries: int = 8, k: int = 5, query_mask=None, seed: int = 0,
                         tile: int = 96, metric: str = 'l2') -> list[str]:
    """Write ``num_queries`` grids of top-``k`` neighbours; returns the written paths."""
    x = np.asarray(embeddings, dtype=np.float32)
    y = np.asarray(labels).reshape(-1)
    if not len(x) == len(y) == len(img_paths):
        raise ValueError(f'save_retrieval_grids: {len(x)} embeddings, {len(y)} labels, '
                         f'{len(img_paths)} image paths')
    if query_mask is None:
        q_idx, g_idx = np.arange(len(y)), np.arange(len(y))
        _, nn = knn_search(x, None, k, metric=metric, exclude_self=True)
    else:
        m = np.asarray(query_mask, bool).reshape(-1)
        q_idx, g_idx = np.flatnonzero(m), np.flatnonzero(~m)
        _, nn = knn_search(x[m], x[~m], k, metric=metric)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(q_idx), size=min(num_queries, len(q_idx)), replace=False))
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for row in chosen:
        qi = q_idx[row]
        neigh = g_idx[nn[row]]
        grid = retrieval_grid(np.asarray(open_image(img_paths[qi], 'RGB')),
                              [np.asarray(open_image(img_paths[j], 'RGB')) for j in neigh],
                              [bool(y[j] == y[qi]) for j in neigh], tile=tile)
        stem = osp.splitext(osp.basename(img_paths[qi]))[0]
        path = osp.join(out_dir, f'{int(qi):05d}_{stem}.png')
        Image.fromarray(grid).save(path)
        written.append(path)
    return written
