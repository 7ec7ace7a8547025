"""collabmem's inferencer for ``tools/infer.py CONFIG CKPT INPUT... [--out-dir D]``: a frame
folder (``00001.jpg ...``, the SS-V1 / synthetic layout) or, with a video config, a video file
in, decoded and split into clips by the config's test pipeline; out: the predicted class and
scores, and with an output folder the picture of
:func:`collabmem.hooks.visualization.draw_sample` (clips, memory attention, gates;
``<stem>.png``). The base class (:class:`cvshared.engine.infer.CvsharedInferencer`) builds the
model from the config, loads the checkpoint safely and strictly and runs the test pipeline."""
from __future__ import annotations

import os
import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample, first_memory


class CollabmemInferencer(CvsharedInferencer):
    """Frame folders / videos -> ``pred_label``, ``scores``, the memory attention."""

    def input_to_data(self, item) -> dict:
        item = str(item)
        if osp.isdir(item):
            n = len([f for f in os.listdir(item) if f.endswith('.jpg')])
            return dict(frame_dir=item, total_frames=n, label=-1, filename_tmpl='{:05d}.jpg',
                        start_index=1, modality='RGB')
        return dict(filename=item, label=-1, start_index=0, modality='RGB')

    def forward(self, data, **kwargs):
        preds = super().forward(data, **kwargs)
        block = first_memory(self.model)
        inputs = data['inputs']
        for k, pred in enumerate(preds):
            frames = inputs[k][:, :, 0].permute(0, 2, 3, 1).cpu().numpy().astype(np.uint8)
            pred.set_field(frames, 'clip_frames')
            if block is not None and block.last_attention is not None:
                pred.set_field(block.last_attention[k].cpu().numpy(), 'memory_attention')
                pred.set_field(block.last_gates[k].cpu().numpy(), 'memory_gates')
        return preds

    def result_of(self, item, pred) -> dict:
        scores = pred.pred_score.flatten()
        out = dict(pred_label=int(scores.argmax()), scores=[float(s) for s in scores])
        if 'memory_attention' in pred:
            out['memory_attention'] = pred.memory_attention.tolist()
        return out

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        frames = pred.clip_frames
        n = frames.shape[0]
        att = pred.memory_attention if 'memory_attention' in pred else np.full((n, n), 1 / n)
        gates = pred.memory_gates if 'memory_gates' in pred else None
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(frames, att, gates, result['pred_label'])).save(path)
        return [path]


INFERENCER = CollabmemInferencer
