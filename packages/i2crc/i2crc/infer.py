"""i2crc's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]`` (a classifier
config): an image file in, the class scores and the CAM maps of the classes scoring > 0.5 out;
with an output folder, :func:`i2crc.hooks.visualization.draw_sample` (``<stem>.png``: image +
CAM overlays). The base class (:class:`cvshared.engine.infer.CvsharedInferencer`) builds the
model from the config, loads the checkpoint safely and strictly and runs the config's test
pipeline."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample


class I2crcInferencer(CvsharedInferencer):
    """Images -> ``scores`` (sigmoid of the 20 logits) and ``classes`` (> 0.5)."""

    #: the ground truth and saliency a user's image lacks
    GROUND_TRUTH_STEPS = ('LoadVOCSegAnnotation', 'I2crcLoadSaliency')

    def input_to_data(self, item) -> dict:
        with Image.open(item) as im:
            w, h = im.size
        return dict(img_path=str(item), ori_shape=(h, w),
                    img_labels=np.zeros(20, np.float32))  # unknown: classes from the scores

    def result_of(self, item, pred) -> dict:
        scores = [float(s) for s in pred['scores']]
        return dict(scores=scores, classes=[int(k) for k in pred['keys']])

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        with Image.open(item) as im:
            image = np.asarray(im.convert('RGB'))
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(image, pred.get('maps', {}))).save(path)
        return [path]


INFERENCER = I2crcInferencer
