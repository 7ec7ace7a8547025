"""Retrieval grids: a query and its top-K neighbours among the test embeddings, each neighbour
framed green (same class as the query) or red (another class). ``draw_sample`` is the pure
drawing; :class:`ProxyanchorVisualizationHook` (``default_hooks.visualization``;
``tools/test.py --show-dir`` switches it on) collects the test embeddings, searches them
(leave-one-out, cosine similarity, as Recall@K does) and writes one grid per query; the
inferencer draws the same grid against a gallery."""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from cvshared.hooks import SampleVisualizationHook, visualization_dir
from PIL import Image

from ..registry import HOOKS

CORRECT, WRONG, QUERY, UNKNOWN = (0, 200, 0), (220, 0, 0), (40, 90, 220), (128, 128, 128)


def _tile(image: np.ndarray, size: int, color, border: int) -> np.ndarray:
    tile = np.asarray(Image.fromarray(np.asarray(image, np.uint8)).convert('RGB')
                      .resize((size, size), Image.BILINEAR)).copy()
    tile[:border], tile[-border:], tile[:, :border], tile[:, -border:] = color, color, color, color
    return tile


def draw_sample(query: np.ndarray, neighbours: list, query_label: int | None = None,
                neighbour_labels: list | None = None, size: int = 96, border: int = 4,
                gap: int = 4) -> np.ndarray:
    """One row: the query (blue frame), then its neighbours in rank order, framed green when
    their label equals ``query_label``, red when not, grey without labels.

    Args:
        query: ``H x W x 3`` uint8 image.
        neighbours: ``K`` images (any sizes; each is resized to ``size x size``).
        query_label, neighbour_labels: Class ids (``None``: grey frames).
    Returns:
        ``size x (K + 1) * (size + gap) x 3`` uint8 picture (white gaps).
    """
    if neighbour_labels is not None and len(neighbour_labels) != len(neighbours):
        raise ValueError(f'draw_sample: {len(neighbours)} neighbours but '
                         f'{len(neighbour_labels)} labels')
    tiles = [_tile(query, size, QUERY, border)]
    for k, image in enumerate(neighbours):
        if query_label is None or neighbour_labels is None:
            color = UNKNOWN
        else:
            color = CORRECT if int(neighbour_labels[k]) == int(query_label) else WRONG
        tiles.append(_tile(image, size, color, border))
    out = np.full((size, len(tiles) * (size + gap) - gap, 3), 255, np.uint8)
    for k, tile in enumerate(tiles):
        out[:, k * (size + gap): k * (size + gap) + size] = tile
    return out


def nearest_neighbours(queries: torch.Tensor, gallery: torch.Tensor, k: int,
                       query_index: list | None = None) -> torch.Tensor:
    """Indices ``(Q, k)`` of the ``k`` most cosine-similar gallery rows of each query.
    ``query_index[i]``: the gallery row that is query ``i`` itself (leave-one-out, as Recall@K
    searches the test set), never returned as its neighbour."""
    limit = gallery.shape[0] - (1 if query_index is not None else 0)
    if k > limit:
        raise ValueError(f'top-{k} neighbours asked but the gallery holds only {limit} other '
                         f"images: lower the visualization hook's topk")
    q = torch.nn.functional.normalize(queries.float(), dim=1)
    g = torch.nn.functional.normalize(gallery.float(), dim=1)
    sim = q @ g.T
    if query_index is not None:
        sim[torch.arange(len(query_index)), torch.as_tensor(query_index)] = -float('inf')
    return sim.topk(k, dim=1).indices


def _read(path: str) -> np.ndarray:
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert('RGB'))
    except OSError as err:
        raise OSError(f'cannot read image {path}: {err}') from err


@HOOKS.register_module()
class ProxyanchorVisualizationHook(SampleVisualizationHook):
    """When ``draw``: after the test epoch, one retrieval grid per ``interval``-th test image
    (at most ``max_queries``), ``<work_dir>/<timestamp>/<test_out_dir>/<stem>.png``.

    Args:
        draw, test_out_dir, interval: The shared contract (``--show-dir`` sets the first two).
        topk: Neighbours per grid.
        max_queries: Upper bound on the number of grids.
    """

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 topk: int = 5, max_queries: int = 20):
        super().__init__(draw=draw, test_out_dir=test_out_dir, interval=interval)
        self.topk, self.max_queries = int(topk), int(max_queries)
        self._records: list = []

    def before_test_epoch(self, runner) -> None:
        self._records = []

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or self.test_out_dir is None:
            return
        for sample in outputs:
            label = sample.get('gt_label')
            label = None if label is None else int(torch.as_tensor(label).view(-1)[0])
            self._records.append((sample.get('embedding').detach().cpu(),
                                  sample.get('img_path'), label))

    def after_test_epoch(self, runner, metrics=None) -> None:
        if not self.draw or self.test_out_dir is None or not self._records:
            return
        out_dir = visualization_dir(runner, self.test_out_dir)
        os.makedirs(out_dir, exist_ok=True)
        embeddings = torch.stack([r[0] for r in self._records])
        queries = list(range(0, len(self._records), self.interval))[:self.max_queries]
        ranks = nearest_neighbours(embeddings[queries], embeddings, self.topk, queries)
        for q, order in zip(queries, ranks.tolist()):
            _, path, label = self._records[q]
            picture = draw_sample(_read(path), [_read(self._records[i][1]) for i in order],
                                  label, [self._records[i][2] for i in order])
            stem = osp.splitext(osp.basename(path))[0]
            Image.fromarray(picture).save(osp.join(out_dir, f'{q:05d}_{stem}.png'))
        self._records = []
