"""dkl's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: an image
file in, the predicted class and scores out; with an output folder, the picture of
:func:`dkl.hooks.visualization.draw_sample` (``<stem>.png``). The base class
(:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the config, loads the
checkpoint safely and strictly and runs the config's test pipeline.

CIFAR configs read in-memory arrays (their test pipeline is ``PackInputs`` only): the image is
read here as RGB, as CIFAR's arrays are; ImageNet configs load the file themselves.
"""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample


class DklInferencer(CvsharedInferencer):
    """Images -> ``pred_label`` and ``scores``."""

    def test_pipeline(self, cfg) -> list:
        steps = super().test_pipeline(cfg)
        self._loads_files = any(s.get('type') == 'LoadImageFromFile' for s in steps)
        return steps

    def input_to_data(self, item) -> dict:
        if getattr(self, '_loads_files', False):
            return dict(img_path=str(item))
        try:
            with Image.open(item) as im:
                return dict(img=np.asarray(im.convert('RGB')))
        except OSError as err:
            raise OSError(f'cannot read image {item}: {err}') from err

    def result_of(self, item, pred) -> dict:
        return dict(pred_label=int(pred.pred_label), scores=[float(s) for s in pred.pred_score])

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        with Image.open(item) as im:
            image = np.asarray(im.convert('RGB'))
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(image, result['pred_label'], scale=1)).save(path)
        return [path]


INFERENCER = DklInferencer
