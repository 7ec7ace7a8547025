"""The visualization hook (``default_hooks.visualization``; ``tools/test.py --show-dir``
switches it on) and its pure drawing function, which ``umil.infer`` calls too: one picture
per test video, its frame anomaly score curve with the ground-truth intervals shaded."""
from __future__ import annotations

import numpy as np
from cvshared.hooks import SampleVisualizationHook
from cvshared.hooks.video_anomaly import draw_score_curve
from cvshared.metrics.video_anomaly import snippet_to_frames

from ..registry import HOOKS


def draw_sample(snippet_scores, num_frames: int, gt_frame_label=None,
                title: str = '') -> np.ndarray:
    """The frame score curve (snippet scores spread over ``num_frames`` as UMIL's
    ``evaluate_result`` does) with the ground truth shaded, ``H x W x 3`` uint8."""
    frames = snippet_to_frames(np.asarray(snippet_scores), int(num_frames), 'ratio')
    return draw_score_curve(frames, gt_frame_label, title=title)


@HOOKS.register_module()
class UmilVisualizationHook(SampleVisualizationHook):
    """Writes ``draw_sample`` of every test video to ``<work_dir>/<timestamp>/<test_out_dir>``
    as ``<video name>.png`` when ``draw``."""

    def draw_output(self, sample, batch_idx):
        name = str(sample.get('video_name', f'video_{batch_idx}'))
        return name, draw_sample(sample['pred_score'], int(sample['total_frames']),
                                 sample.get('gt_frame_label'), name)
