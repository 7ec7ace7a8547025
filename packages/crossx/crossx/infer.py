"""crossx's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: an image
file in, the predicted class and scores out; with an output folder, the picture of
:func:`crossx.hooks.visualization.draw_sample` (``<stem>.png``). The base class
(:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the config, loads the
checkpoint safely and strictly and runs the config's test pipeline."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample


class CrossxInferencer(CvsharedInferencer):
    """Images -> ``pred_label`` and ``scores`` (TODO: the paper's outputs)."""

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item), label=-1)  # no ground truth for a user's image

    def result_of(self, item, pred) -> dict:
        return dict(pred_label=int(pred['pred_label']),
                    scores=[float(s) for s in pred['scores']])

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        with Image.open(item) as im:
            image = np.asarray(im.convert('RGB'))
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(image, result['pred_label'])).save(path)
        return [path]


INFERENCER = CrossxInferencer
