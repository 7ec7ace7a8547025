"""hcml's inferencer for ``tools/infer.py CONFIG CKPT VIDEO... [--out-dir D]``: a video file in
(any container the config's test pipeline decodes), the predicted class, the class scores and,
with an output folder, the picture of :func:`hcml.hooks.visualization.draw_sample`
(``<stem>.png``: the motion features per level of the test clip) and the raw motion features
(``<stem>_motion.npz``: ``M0`` .. ``ML``, each ``(T-1, D_l, h_l, w_l)``). The base class
(:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the config, loads
the checkpoint safely and strictly and runs the config's test pipeline."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import clip_levels, draw_sample, motion_hierarchy


class HCMLInferencer(CvsharedInferencer):
    """Videos -> ``pred_label``, ``scores`` and the motion features per level."""

    def input_to_data(self, item) -> dict:
        # no ground truth for a user's video
        return dict(filename=str(item), label=-1, start_index=0, modality='RGB')

    def forward(self, inputs, **kwargs):
        hierarchy = motion_hierarchy(self.model)
        if hierarchy is None:
            raise ValueError(f'{self.config_path}: the model has no motion hierarchy '
                             '(model.backbone.motion is None)')
        preds = super().forward(inputs, **kwargs)
        views = hierarchy.last_motion[-1].shape[0] // (hierarchy.num_segments - 1) // len(preds)
        for i, pred in enumerate(preds):
            levels = [None if m is None else m.numpy()
                      for m in clip_levels(hierarchy, i * views)]
            pred.set_field(levels, 'motion_levels', field_type='metainfo')
        return preds

    def result_of(self, item, pred) -> dict:
        scores = pred.pred_score.detach().cpu()
        return dict(pred_label=int(scores.argmax()), scores=[float(s) for s in scores])

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(pred.motion_levels, pred_label=result['pred_label'])).save(
            path)
        npz = osp.join(out_dir, f'{stem(item)}_motion.npz')
        np.savez(npz, **{f'M{i}': m for i, m in enumerate(pred.motion_levels) if m is not None})
        return [path, npz]


INFERENCER = HCMLInferencer
