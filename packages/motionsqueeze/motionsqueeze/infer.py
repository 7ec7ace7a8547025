"""motionsqueeze's inferencer for ``tools/infer.py CONFIG CKPT VIDEO... [--out-dir D]``: a video
file in (any container the config's test pipeline decodes: PyAV for the SS-V2 / synthetic
configs, decord for Kinetics), the predicted class, the class scores and, with an output folder,
the picture of :func:`motionsqueeze.hooks.visualization.draw_sample` (``<stem>.png``: the MS
module's displacement field and confidence of every frame pair of the test clip) and the raw
motion maps (``<stem>_motion.npz``: ``flow`` ``(T-1, 2, h, w)``, ``confidence``
``(T-1, 1, h, w)``). The base class (:class:`cvshared.engine.infer.CvsharedInferencer`) builds
the model from the config, loads the checkpoint safely and strictly and runs the config's test
pipeline."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample, ms_blocks


class MotionSqueezeInferencer(CvsharedInferencer):
    """Videos -> ``pred_label``, ``scores`` and the MS module's motion maps."""

    def input_to_data(self, item) -> dict:
        # no ground truth for a user's video
        return dict(filename=str(item), label=-1, start_index=0, modality='RGB')

    def forward(self, inputs, **kwargs):
        blocks = ms_blocks(self.model)
        if not blocks:
            raise ValueError(f'{self.config_path}: the model has no MotionSqueezeBlock '
                             '(model.backbone.blocks is empty)')
        for b in blocks:
            b.keep_motion = True
        preds = super().forward(inputs, **kwargs)
        motion, pairs = blocks[0].last_motion, blocks[0].num_segments - 1
        flow = motion['flow'].view(-1, pairs, *motion['flow'].shape[1:])
        conf = motion['confidence'].view(-1, pairs, *motion['confidence'].shape[1:])
        views = flow.shape[0] // len(preds)  # test views per clip: the first one is drawn
        for i, pred in enumerate(preds):
            pred.set_field(flow[i * views].numpy(), 'ms_flow', field_type='metainfo')
            pred.set_field(conf[i * views].numpy(), 'ms_confidence', field_type='metainfo')
        return preds

    def result_of(self, item, pred) -> dict:
        scores = pred.pred_score.detach().cpu()
        return dict(pred_label=int(scores.argmax()), scores=[float(s) for s in scores])

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(pred.ms_flow, pred.ms_confidence,
                                    pred_label=result['pred_label'])).save(path)
        npz = osp.join(out_dir, f'{stem(item)}_motion.npz')
        np.savez(npz, flow=pred.ms_flow, confidence=pred.ms_confidence)
        return [path, npz]


INFERENCER = MotionSqueezeInferencer
