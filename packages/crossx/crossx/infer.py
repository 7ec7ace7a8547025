"""crossx's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: an image
file in; the predicted class, its scores and the per-part attention maps out; with an output
folder, the picture of :func:`crossx.hooks.visualization.draw_sample` (``<stem>.png``). The
base class (:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the
config, loads the checkpoint safely and strictly and runs the config's test pipeline."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample


class CrossxInferencer(CvsharedInferencer):
    """Images -> ``pred_label``, ``scores`` (softmax of the summed branch logits) and
    ``part_maps`` (P x h x w, stage-4 resolution)."""

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item))   # no ground truth for a user's image

    def result_of(self, item, pred) -> dict:
        return dict(pred_label=int(pred.pred_label[0]),
                    scores=[float(s) for s in pred.pred_score],
                    part_maps=pred.part_maps.tolist())

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        with Image.open(item) as im:
            image = np.asarray(im.convert('RGB'))
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(image, pred.part_maps.numpy(),
                                    result['pred_label'])).save(path)
        return [path]


INFERENCER = CrossxInferencer
