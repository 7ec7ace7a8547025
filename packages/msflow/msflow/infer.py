"""MSFlow on a user's own images: anomaly map, image score and (with a threshold) the decision.

    python tools/infer.py configs/msflow/<config>.py CKPT img1.png [img2.png ...] --out-dir D
                          [--threshold T]

Per image ``<stem>``: ``D/<stem>_anomaly_map.npy`` (the A_add map at the config's image size,
float32), ``D/<stem>.png`` (the picture of ``msflow.hooks.visualization``) and an entry of
``D/results.json``: ``score`` (the paper's image score, top-k of A_mul), ``threshold`` and
``anomalous`` (score > threshold; null without ``--threshold``). The model's image scores are
not normalised: choose the threshold on validation images of the same category.
"""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image


class MSFlowInferencer(CvsharedInferencer):

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item), mask_path=None, gt_label=0, category='user',
                    defect_type='user')

    def result_of(self, item, pred) -> dict:
        score = float(pred.pred_score)
        anomalous = None if self.threshold is None else bool(score > self.threshold)
        amap = pred.anomaly_map.numpy()
        return dict(score=score, threshold=self.threshold, anomalous=anomalous,
                    map_shape=list(amap.shape), map_max=float(amap.max()))

    def save(self, item, pred, result, out_dir) -> list:
        amap = pred.anomaly_map.numpy().astype(np.float32)
        npy = osp.join(out_dir, f'{stem(item)}_anomaly_map.npy')
        np.save(npy, amap)
        size = (amap.shape[1], amap.shape[0])
        image = np.asarray(Image.open(item).convert('RGB').resize(size, Image.BILINEAR))
        png = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(self.draw(image, amap, result)).save(png)
        return [npy, png]

    @staticmethod
    def draw(image, amap, result) -> np.ndarray:
        from .hooks import visualization as vis
        if hasattr(vis, 'draw_sample'):
            try:
                return vis.draw_sample(image, amap, score=result['score'],
                                       threshold=result['threshold'])
            except TypeError:
                pass  # another signature: fall back to the panel below
        return vis.render_anomaly_panel(image, amap, None, float(amap.min()),
                                        float(amap.max()))


INFERENCER = MSFlowInferencer
