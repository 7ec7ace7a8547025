"""bnwvad's inferencer for ``tools/infer.py CONFIG CKPT FEATURES.npy... [--out-dir D]``: one
video per input, either one crop file ``(T, 1024)`` (e.g. ``<video>__0.npy``) or all its crops
stacked ``(N_crops, T, 1024)``; out: the snippet scores ``(d1 + d2) * s`` (crop mean), the
frame scores (16 per snippet) and, with an output folder, the score curve of
:func:`bnwvad.hooks.visualization.draw_sample` (``<stem>.png``). The base class
(:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the config and loads
the checkpoint safely and strictly."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import FRAMES_PER_SNIPPET, draw_sample


def load_video_features(path: str, feature_dim: int = 1024) -> np.ndarray:
    """A user's feature file as ``(N_crops, T, feature_dim)`` float32; clear errors for a
    wrong dimension, a wrong rank or an empty video."""
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as err:
        raise ValueError(f'cannot read feature file {path!r} ({err})') from err
    shape = arr.shape
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[-1] != feature_dim:
        raise ValueError(f'feature file {path!r} has shape {shape}; expected (T, '
                         f'{feature_dim}) or (N_crops, T, {feature_dim}) I3D features')
    if arr.shape[1] == 0:
        raise ValueError(f'feature file {path!r} is an empty video (0 snippets)')
    return arr.astype(np.float32)


class BnwvadInferencer(CvsharedInferencer):
    """Feature files -> ``snippet_scores`` and ``frame_scores``."""

    def test_pipeline(self, cfg) -> list:
        return [dict(type='BnwvadPackFeatures')]   # the features are loaded in input_to_data

    def input_to_data(self, item) -> dict:
        dim = self.cfg.model.encoder.get('in_channels', 1024)
        return dict(feat=load_video_features(str(item), dim), video_name=stem(item), gt_label=-1)

    def result_of(self, item, pred) -> dict:
        scores = np.asarray(pred['pred_score'], dtype=np.float64)
        return dict(snippet_scores=scores.tolist(),
                    frame_scores=np.repeat(scores, FRAMES_PER_SNIPPET).tolist())

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(result['snippet_scores'], title=stem(item))).save(path)
        return [path]


INFERENCER = BnwvadInferencer
