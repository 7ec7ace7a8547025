"""webvideo_wsss's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: an image
file in (the decoder config and a train_decoder checkpoint), the classes the encoder finds and
the label map (E8, VOC ids) out; with an output folder, the label map as a VOC-palette PNG and
the picture of :func:`webvideo_wsss.hooks.visualization.draw_sample` (``<stem>_vis.png``). The
base class (:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the config,
loads the checkpoint safely and strictly and runs the config's test pipeline."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from cvshared.wsss.export import save_label_png
from PIL import Image

from .hooks.visualization import draw_sample


class WebVideoInferencer(CvsharedInferencer):
    """Images -> ``classes`` (VOC foreground indices), ``scores`` and the label map."""

    GROUND_TRUTH_STEPS = ('LoadVOCSegAnnotation',)  # a user's image has no mask

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item))

    def result_of(self, item, pred) -> dict:
        return dict(classes=[int(k) for k in pred['keys']],
                    scores=[round(float(s), 4) for s in pred['scores']],
                    label_ids=sorted(int(v) for v in np.unique(np.asarray(pred['pred']))))

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        with Image.open(item) as im:
            image = np.asarray(im.convert('RGB'))
        label = np.asarray(pred['pred'], np.uint8)
        paths = [save_label_png(osp.join(out_dir, f'{stem(item)}.png'), label)]
        h, w = label.shape
        vis = draw_sample(image[:h, :w], pred['cams'], pred.get('probs'), label)
        paths.append(osp.join(out_dir, f'{stem(item)}_vis.png'))
        Image.fromarray(vis).save(paths[-1])
        return paths


INFERENCER = WebVideoInferencer
