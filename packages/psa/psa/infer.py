"""psa's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: an image file
in, the CAM net's class scores and CAMs out (a CAM-net config); with an output folder, the
picture of :func:`psa.hooks.visualization.draw_sample` (``<stem>.png``: image + CAM overlay).
The base class (:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the
config, loads the checkpoint safely and strictly and runs the config's test pipeline."""
from __future__ import annotations

import os.path as osp

import numpy as np
import torch.nn.functional as F
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample


class PsaInferencer(CvsharedInferencer):
    """Images -> ``scores`` (sigmoid of the 20 logits) and the CAM of the top class."""

    #: the ground truth (and CAM files) a user's image lacks
    GROUND_TRUTH_STEPS = ('LoadVOCSegAnnotation', 'PsaLoadCAM')

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item), img_labels=np.zeros(20, np.float32))

    def result_of(self, item, pred) -> dict:
        scores = [float(s) for s in pred['scores']]
        return dict(scores=scores, top_class=int(np.argmax(scores)))

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        with Image.open(item) as im:
            image = np.asarray(im.convert('RGB'))
        cam = pred['cam'][result['top_class']][None, None].float()
        cam = F.interpolate(cam, image.shape[:2], mode='bilinear', align_corners=False)[0]
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(image, cam.numpy())).save(path)
        return [path]


INFERENCER = PsaInferencer
