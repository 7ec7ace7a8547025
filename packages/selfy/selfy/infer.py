"""selfy's inferencer for ``tools/infer.py CONFIG CKPT VIDEO... [--out-dir D]``: a video file
in (decoded by the config's test pipeline), the predicted class and scores out; with an output
folder, the STSS slices of the clip (:func:`selfy.hooks.visualization.draw_sample`,
``<stem>.png``). The base class (:class:`cvshared.engine.infer.CvsharedInferencer`) builds the
model from the config, loads the checkpoint safely and strictly and runs the test pipeline."""
from __future__ import annotations

import os.path as osp

from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import capture_stss, draw_sample


class SelfyInferencer(CvsharedInferencer):
    """Videos -> ``pred_label``, ``scores`` and (with ``out_dir``) the STSS picture."""

    def input_to_data(self, item) -> dict:
        # no ground truth for a user's video (label -1)
        return dict(filename=str(item), label=-1, start_index=0, modality='RGB')

    def forward(self, data, **kwargs):
        with capture_stss(self.model) as seen:
            preds = super().forward(data, **kwargs)
        stss = seen[-1]
        per = max(1, stss.shape[0] // max(1, len(preds)))
        for k, pred in enumerate(preds):
            pred.set_field(stss[k * per], 'stss')
        return preds

    def result_of(self, item, pred) -> dict:
        scores = pred.pred_score.flatten()
        return dict(pred_label=int(scores.argmax()), scores=[float(s) for s in scores])

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(pred.stss.numpy(), result['pred_label'])).save(path)
        return [path]


INFERENCER = SelfyInferencer
