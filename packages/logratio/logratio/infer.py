"""logratio's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: images
in, their embeddings out (the config's test pipeline: the official centre crop). With an
output folder and two or more images, the first image is the query and the others its
gallery: ``<stem>.png`` shows them ranked by embedding distance
(:func:`logratio.hooks.visualization.draw_sample`, no label distances)."""
from __future__ import annotations

import os.path as osp

import numpy as np
import torch
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample


class LogratioInferencer(CvsharedInferencer):
    """Images -> ``embedding`` (list of floats)."""

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item), sample_idx=-1)

    def result_of(self, item, pred) -> dict:
        return dict(embedding=[float(v) for v in pred['embedding']])

    def before_save(self, items: list, preds: list) -> None:
        self._items = list(items)
        self._embeds = [torch.as_tensor(p['embedding']).float() for p in preds]

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        if len(self._items) < 2 or item is not self._items[0]:
            return []  # one picture per call: the first image's ranking
        query = self._embeds[0]
        order = sorted(range(1, len(self._items)),
                       key=lambda i: float((self._embeds[i] - query).pow(2).sum()))
        first = _rgb(self._items[0])
        h, w = first.shape[:2]
        gallery = [np.asarray(Image.fromarray(_rgb(self._items[i])).resize((w, h)))
                   for i in order]
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(first, gallery)).save(path)
        return [path]


def _rgb(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert('RGB'))


INFERENCER = LogratioInferencer
