"""Retrieval grids: a query and its top-K neighbours, each neighbour framed green (same class
as the query) or red (another class). :class:`ProxyanchorVisualizationHook`
(``default_hooks.visualization``; ``tools/test.py --show-dir`` switches it on) collects the test
embeddings and writes the grids with the shared ``cvshared.retrieval.draw`` (the metric's kNN
search). ``draw_sample`` is the package's pure drawing for the inferencer, which also frames
neighbours without labels (grey: a user's images)."""
from __future__ import annotations

import numpy as np
import torch
from cvshared.hooks import SampleVisualizationHook, visualization_dir
from cvshared.retrieval.draw import save_retrieval_grids
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


@HOOKS.register_module()
class ProxyanchorVisualizationHook(SampleVisualizationHook):
    """When ``draw``: after the test epoch, ``max_queries`` retrieval grids (seeded choice of
    queries; the shared ``cvshared.retrieval.draw.save_retrieval_grids``, leave-one-out or
    query vs gallery when the samples carry ``is_query``),
    ``<work_dir>/<timestamp>/<test_out_dir>/<index>_<stem>.png``.

    Args:
        draw, test_out_dir, interval: The shared contract (``--show-dir`` sets the first two).
        topk: Neighbours per grid.
        max_queries: Number of grids.
    """

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 topk: int = 5, max_queries: int = 20):
        super().__init__(draw=draw, test_out_dir=test_out_dir, interval=interval)
        self.topk, self.max_queries = int(topk), int(max_queries)
        self._records: list = []
        self._query_flags: list = []

    def before_test_epoch(self, runner) -> None:
        self._records, self._query_flags = [], []

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not self.draw or self.test_out_dir is None:
            return
        for sample in outputs:
            label = sample.get('gt_label')
            label = None if label is None else int(torch.as_tensor(label).view(-1)[0])
            self._records.append((sample.get('embedding').detach().cpu(),
                                  sample.get('img_path'), label))
            self._query_flags.append(sample.get('is_query'))

    def after_test_epoch(self, runner, metrics=None) -> None:
        if not self.draw or self.test_out_dir is None or not self._records:
            return
        out_dir = visualization_dir(runner, self.test_out_dir)
        embeddings = torch.stack([r[0] for r in self._records]).numpy()
        labels = [r[2] for r in self._records]
        if any(label is None for label in labels):
            raise ValueError('ProxyanchorVisualizationHook: a test sample has no gt_label; the '
                             'retrieval grids need the labels to frame the neighbours')
        flags = self._query_flags
        query_mask = flags if flags and all(f is not None for f in flags) else None
        # the shared drawing and the metric's kNN search (query vs gallery for In-Shop)
        save_retrieval_grids(embeddings, labels, [r[1] for r in self._records], out_dir,
                             num_queries=self.max_queries, k=self.topk, query_mask=query_mask)
        self._records = []
