"""adcam's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: an image file
in, the classes' scores out; with an output folder, the picture of
:func:`adcam.hooks.visualization.draw_sample` (CAM, TransCAM and AD-CAM maps and labels for
the classes scored above 0.5). The base class (:class:`cvshared.engine.infer.CvsharedInferencer`)
builds the model from the config, loads the checkpoint safely and strictly and runs the
config's test pipeline."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample


class AdcamInferencer(CvsharedInferencer):
    """Images -> ``scores`` (20 sigmoid class scores) and ``classes`` (indices above 0.5)."""

    GROUND_TRUTH_STEPS = ('LoadVOCSegAnnotation',)

    def input_to_data(self, item) -> dict:
        # no image label for a user's image: every class (the model's scores pick them below)
        return dict(img_path=str(item), img_labels=np.ones(20, np.float32))

    def result_of(self, item, pred) -> dict:
        scores = [float(s) for s in pred['scores']]
        return dict(scores=scores, classes=[i for i, s in enumerate(scores) if s > 0.5])

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        with Image.open(item) as im:
            image = np.asarray(im.convert('RGB'))
        keep = result['classes']
        cams = {m: c[keep] for m, c in pred['cams'].items()}
        from cvshared.wsss.cam import cam_label
        labels = {m: cam_label(keep, c, 0.4).numpy() for m, c in cams.items()}
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(image, cams, labels)).save(path)
        return [path]


INFERENCER = AdcamInferencer
