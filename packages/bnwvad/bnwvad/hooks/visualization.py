"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``bnwvad.infer`` calls too."""
from __future__ import annotations

import numpy as np
from cvshared.hooks import SampleVisualizationHook
from cvshared.hooks.video_anomaly import draw_score_curve

from ..registry import HOOKS

FRAMES_PER_SNIPPET = 16


def draw_sample(snippet_scores, gt_frame_label=None, title: str = '',
                size=(200, 600)) -> np.ndarray:
    """One video's picture: its snippet scores spread 16x to frames (as the evaluation does),
    drawn by :func:`cvshared.hooks.video_anomaly.draw_score_curve` with the ground-truth
    frames shaded. Scores are divided by their maximum when it exceeds 1 (BN-WVAD scores
    ``(d1 + d2) * s`` are not bounded by 1); the title says so."""
    frames = np.repeat(np.asarray(snippet_scores, dtype=np.float64).ravel(), FRAMES_PER_SNIPPET)
    top = float(frames.max()) if frames.size else 0.0
    if top > 1:
        frames = frames / top
        title = f'{title}  (score / {top:.3g})'.strip()
    return draw_score_curve(frames, gt_frame_label, title=title, size=size)


@HOOKS.register_module()
class BnwvadVisualizationHook(SampleVisualizationHook):
    """Writes ``draw_sample`` of every test video to
    ``<work_dir>/<timestamp>/<test_out_dir>/<video>.png`` when ``draw``."""

    def draw_output(self, sample, batch_idx):
        name = str(sample.get('video_name', f'video_{batch_idx}'))
        return name, draw_sample(sample['pred_score'], sample.get('gt_frame_label'), name)
