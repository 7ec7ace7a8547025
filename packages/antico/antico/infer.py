"""antico's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: images in, their
L2-normalised embeddings out, with the coding rate ``R`` (MCR^2, eps 0.5) of all the input
embeddings together (how spread the set is; the quantity AntiCo keeps from collapsing). With an
output folder, ``proxy_similarity.png`` of the checkpoint's proxies (:func:`draw_sample`). The
base class (:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the config,
loads the checkpoint safely and strictly and runs the config's test pipeline."""
from __future__ import annotations

import os.path as osp

import torch
from cvshared.engine.infer import CvsharedInferencer
from PIL import Image

from .hooks.visualization import draw_sample
from .models.losses import coding_rate


class AnticoInferencer(CvsharedInferencer):
    """Images -> ``embedding`` (D floats) and ``coding_rate`` of the whole input set."""

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item))   # no ground truth for a user's image

    def before_save(self, items: list, preds: list) -> None:
        self._saved = False

    def result_of(self, item, pred) -> dict:
        return dict(embedding=[float(v) for v in pred.embedding])

    def __call__(self, inputs, out_dir: str | None = None, batch_size: int = 1) -> dict:
        payload = super().__call__(inputs, out_dir=out_dir, batch_size=batch_size)
        emb = torch.tensor([r['embedding'] for r in payload['results']])
        payload['coding_rate'] = float(coding_rate(emb, eps=0.5))
        return payload

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        proxies = getattr(self.model.head, 'proxies', None)
        if proxies is None or self._saved:
            return []
        path = osp.join(out_dir, 'proxy_similarity.png')
        Image.fromarray(draw_sample(proxies.detach().cpu())).save(path)
        self._saved = True
        return [path]


INFERENCER = AnticoInferencer
