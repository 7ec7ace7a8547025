"""proxyanchor's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: images in,
their L2-normalised embeddings out, and each image's nearest neighbours among the other input
images (cosine similarity); with an output folder, the retrieval grid of
:func:`proxyanchor.hooks.visualization.draw_sample` per image (``<stem>.png``, grey frames: a
user's images carry no labels). The base class (:class:`cvshared.engine.infer.CvsharedInferencer`)
builds the model from the config, loads the checkpoint safely and strictly and runs the
config's test pipeline."""
from __future__ import annotations

import os.path as osp

import numpy as np
import torch
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample, nearest_neighbours


class ProxyanchorInferencer(CvsharedInferencer):
    """Images -> ``embedding`` (D floats) and ``neighbours`` (indices of the ``topk`` most
    similar other inputs, best first)."""

    topk = 5

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item))   # no ground truth for a user's image

    def _neighbours(self, preds) -> list:
        if getattr(self, '_cache', None) is not None and self._cache[0] is preds:
            return self._cache[1]
        emb = torch.stack([p.embedding for p in preds])
        k = min(self.topk, len(preds) - 1)
        ranks = (nearest_neighbours(emb, emb, k, list(range(len(preds)))).tolist() if k > 0
                 else [[] for _ in preds])
        self._cache = (preds, ranks)
        return ranks

    def __call__(self, inputs, out_dir: str | None = None, batch_size: int = 1) -> dict:
        self._all = None
        return super().__call__(inputs, out_dir=out_dir, batch_size=batch_size)

    def forward(self, data, **kwargs):
        preds = super().forward(data, **kwargs)
        self._all = (self._all or []) + list(preds)
        return preds

    def result_of(self, item, pred) -> dict:
        index = next(i for i, p in enumerate(self._all) if p is pred)
        return dict(embedding=[float(v) for v in pred.embedding],
                    neighbours=self._neighbours(self._all)[index])

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        paths = [p.img_path for p in self._all]

        def read(path):
            with Image.open(path) as im:
                return np.asarray(im.convert('RGB'))

        picture = draw_sample(read(item), [read(paths[i]) for i in result['neighbours']])
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(picture).save(path)
        return [path]


INFERENCER = ProxyanchorInferencer
