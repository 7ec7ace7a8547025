"""umil's inferencer for ``tools/infer.py CONFIG CKPT FRAME_DIR... [--out-dir D]``: a folder of
frames ``img_00000000.jpg ...`` (UMIL's layout) in, the clip scores (``p_a[abnormal]``) and the
frame scores out; with an output folder, the score curve of
:func:`umil.hooks.visualization.draw_sample` (``<folder name>.png``). The base class
(:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the config, loads the
checkpoint safely and strictly and runs the config's test pipeline."""
from __future__ import annotations

import os
import os.path as osp

from cvshared.engine.infer import CvsharedInferencer, stem
from cvshared.metrics.video_anomaly import snippet_to_frames
from PIL import Image

from .hooks.visualization import draw_sample

FRAME_TMPL = 'img_{:08}.jpg'


class UmilInferencer(CvsharedInferencer):
    """Frame folders -> ``clip_scores`` and ``frame_scores``."""

    def input_to_data(self, item) -> dict:
        folder = str(item).rstrip('/')
        if not osp.isdir(folder):
            raise FileNotFoundError(f'{folder!r} is not a folder of frames ({FRAME_TMPL} '
                                    'from 0)')
        n = 0
        while osp.isfile(osp.join(folder, FRAME_TMPL.format(n))):
            n += 1
        if n == 0:
            raise FileNotFoundError(f'{folder!r} holds no {FRAME_TMPL.format(0)} (frames are '
                                    f'named {FRAME_TMPL} from 0); found '
                                    f'{sorted(os.listdir(folder))[:3]}')
        return dict(frame_dir=folder, total_frames=n, filename_tmpl=FRAME_TMPL, start_index=0,
                    modality='RGB', label=-1, video_name=osp.basename(folder))

    def result_of(self, item, pred) -> dict:
        clips = [float(s) for s in pred['pred_score']]
        n = int(pred['total_frames'])
        return dict(clip_scores=clips,
                    frame_scores=snippet_to_frames(clips, n, 'ratio').tolist())

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        path = osp.join(out_dir, f'{stem(str(item).rstrip("/"))}.png')
        Image.fromarray(draw_sample(result['clip_scores'], int(pred['total_frames']),
                                    title=osp.basename(str(item)))).save(path)
        return [path]


INFERENCER = UmilInferencer
