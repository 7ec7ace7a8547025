"""gta's inferencer for ``tools/infer.py CONFIG CKPT VIDEO... [--out-dir D]``: a video file
in (decoded by the config's test pipeline), the predicted class and scores out; with an output
folder, the picture of the learned temporal attention of the model's GTA blocks
(:func:`gta.hooks.visualization.draw_sample`, ``<stem>.png``, border grey: no ground truth).
The base class (:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the
config, loads the checkpoint safely and strictly and runs the test pipeline."""
from __future__ import annotations

import os.path as osp

from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample, model_attention


class GTAInferencer(CvsharedInferencer):
    """Videos -> ``pred_label``, ``scores`` and (with ``out_dir``) the attention picture."""

    def input_to_data(self, item) -> dict:
        # no ground truth for a user's video (label -1)
        return dict(filename=str(item), label=-1, start_index=0, modality='RGB')

    def result_of(self, item, pred) -> dict:
        scores = pred.pred_score.flatten()
        return dict(pred_label=int(scores.argmax()), scores=[float(s) for s in scores])

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(model_attention(self.model), result['pred_label'])).save(path)
        return [path]


INFERENCER = GTAInferencer
