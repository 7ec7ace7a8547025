"""Retrieval grids: a query and its top-K by embedding distance, each retrieved image framed
by its label distance (green = same pose, red = ``max_dist`` or more) and captioned with it.
The pure drawing :func:`draw_sample` is called by the hook (``tools/test.py --show-dir``) and
by ``logratio.infer``."""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
import torch
from cvshared.hooks import SampleVisualizationHook, visualization_dir
from PIL import Image, ImageDraw

from ..datasets.pose import load_val_distances
from ..registry import HOOKS

QUERY = (40, 120, 255)
CAPTION = 12  # pixels of caption under each tile


def distance_color(d: float, max_dist: float) -> tuple[int, int, int]:
    t = float(np.clip(d / max_dist, 0, 1)) if max_dist > 0 else 1.0
    return int(round(220 * t)), int(round(200 * (1 - t))), 0


def draw_sample(query: np.ndarray, retrieved: list, label_dists=None, max_dist: float = 1.0,
                border: int = 3) -> np.ndarray:
    """One row: ``query`` (H x W x 3 uint8, blue frame) then the ``retrieved`` images (same
    size) with frames coloured by ``label_dists`` (grey without) and the distance written
    below each. Returns ``(H + 12, (K + 1) * (W + 4), 3)`` uint8."""
    query = np.asarray(query)
    if query.ndim != 3 or query.shape[2] != 3 or query.dtype != np.uint8:
        raise ValueError(f'query must be H x W x 3 uint8, got {query.shape} {query.dtype}')
    if label_dists is not None and len(label_dists) != len(retrieved):
        raise ValueError(f'{len(retrieved)} retrieved images but {len(label_dists)} distances')
    h, w = query.shape[:2]
    tiles = [(query, QUERY, 'query')]
    for k, image in enumerate(retrieved):
        image = np.asarray(image)
        if image.shape != query.shape:
            raise ValueError(f'retrieved image {k} is {image.shape}, the query {query.shape}')
        if label_dists is None:
            tiles.append((image, (128, 128, 128), f'#{k + 1}'))
        else:
            d = float(label_dists[k])
            tiles.append((image, distance_color(d, max_dist), f'{d:.2f}'))
    canvas = Image.new('RGB', (len(tiles) * (w + 4), h + CAPTION), (255, 255, 255))
    pen = ImageDraw.Draw(canvas)
    for k, (image, color, text) in enumerate(tiles):
        tile = np.array(image, copy=True)
        tile[:border], tile[-border:], tile[:, :border], tile[:, -border:] = (color,) * 4
        canvas.paste(Image.fromarray(tile), (k * (w + 4) + 2, 0))
        pen.text((k * (w + 4) + 3, h), text, fill=(0, 0, 0))
    return np.asarray(canvas)


def _rgb(path: str) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert('RGB'))


@HOOKS.register_module()
class LogratioVisualizationHook(SampleVisualizationHook):
    """When ``draw``: after the test epoch, the grids of the first ``num_grids`` queries
    (top-``topk`` of the gallery = test images from ``num_query`` on, squared Euclidean
    embedding distance), to ``<work_dir>/<timestamp>/<test_out_dir>/query_<i>.png``.

    Args:
        draw, test_out_dir, interval: as :class:`cvshared.hooks.SampleVisualizationHook`.
        data_root: Holds ``dist_pose_val.mat`` (the label distances written on the grid).
        num_query: As the metric's (1,919 officially).
        topk: Retrieved images per grid.
        num_grids: Queries drawn.
        max_dist: Label distance drawn fully red (default: the median query-gallery one).
    """

    def __init__(self, draw: bool = False, test_out_dir: str | None = None, interval: int = 1,
                 data_root: str | None = None, num_query: int = 1919, topk: int = 8,
                 num_grids: int = 8, max_dist: float | None = None):
        super().__init__(draw=draw, test_out_dir=test_out_dir, interval=interval)
        self.data_root, self.num_query, self.topk = data_root, num_query, topk
        self.num_grids, self.max_dist = num_grids, max_dist
        self._outputs = []

    def before_test_epoch(self, runner) -> None:
        self._outputs = []

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self.draw and self.test_out_dir is not None:
            self._outputs += [(int(s['sample_idx']), s['img_path'], s['embedding'])
                              for s in outputs]

    def draw_output(self, sample, batch_idx):  # the grids need the whole test set
        raise NotImplementedError('LogratioVisualizationHook draws after the test epoch')

    def after_test_epoch(self, runner, metrics=None) -> None:
        if not self._outputs:
            return
        out_dir = visualization_dir(runner, self.test_out_dir)
        os.makedirs(out_dir, exist_ok=True)
        for name, grid in self.grids(self._outputs):
            Image.fromarray(grid).save(osp.join(out_dir, name + '.png'))

    def grids(self, outputs) -> list:
        outputs = sorted(outputs, key=lambda o: o[0])
        embed = torch.stack([torch.as_tensor(o[2]).float() for o in outputs])
        paths = [o[1] for o in outputs]
        label = None if self.data_root is None else load_val_distances(self.data_root,
                                                                       len(outputs))
        nq = min(self.num_query, len(outputs) - 1)
        if self.topk > len(outputs) - nq:
            raise ValueError(f'topk = {self.topk} is larger than the gallery '
                             f'({len(outputs) - nq} images)')
        dist = torch.cdist(embed[:nq], embed[nq:])
        max_dist = self.max_dist
        if max_dist is None and label is not None:
            max_dist = float(np.median(label[:nq, nq:]))
        out = []
        for q in range(min(self.num_grids, nq)):
            top = dist[q].argsort()[:self.topk].tolist()
            d = None if label is None else [label[q, nq + t] for t in top]
            out.append((f'query_{q:05d}', draw_sample(_rgb(paths[q]),
                                                      [_rgb(paths[nq + t]) for t in top],
                                                      d, max_dist or 1.0)))
        return out
