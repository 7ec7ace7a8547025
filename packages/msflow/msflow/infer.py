"""MSFlow on a user's own images: anomaly map, image score and (with a threshold) the decision.

    python tools/infer.py configs/msflow/<config>.py CKPT img1.png [img2.png ...] --out-dir D
                          [--threshold T]

Per image ``<stem>``: ``D/<stem>_anomaly_map.npy`` (the A_add map at the config's image size,
float32), ``D/<stem>.png`` (the picture of ``msflow.hooks.visualization``) and an entry of
``D/results.json``: ``score`` (the paper's image score, top-k of A_mul), ``threshold`` and
``anomalous`` (score >= threshold, the rule of the F1-optimal threshold the test hook draws;
null without ``--threshold``). The model's image scores are not normalised: choose the
threshold on validation images of the same category. All pictures of one call share one colour
range (the min / max over its maps), so a good image does not look as red as a defective one.
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
        anomalous = None if self.threshold is None else bool(score >= self.threshold)
        amap = pred.anomaly_map.numpy()
        return dict(score=score, threshold=self.threshold, anomalous=anomalous,
                    map_shape=list(amap.shape), map_max=float(amap.max()))

    def before_save(self, items, preds) -> None:
        maps = [p.anomaly_map.numpy() for p in preds]
        self.colour_range = (float(min(m.min() for m in maps)), float(max(m.max() for m in maps)))

    def save(self, item, pred, result, out_dir) -> list:
        from .hooks.visualization import draw_sample

        amap = pred.anomaly_map.numpy().astype(np.float32)
        npy = osp.join(out_dir, f'{stem(item)}_anomaly_map.npy')
        np.save(npy, amap)
        size = (amap.shape[1], amap.shape[0])
        image = np.asarray(Image.open(item).convert('RGB').resize(size, Image.BILINEAR))
        png = osp.join(out_dir, f'{stem(item)}.png')
        vmin, vmax = self.colour_range
        Image.fromarray(draw_sample(image, amap, score=result['score'],
                                    threshold=result['threshold'], vmin=vmin,
                                    vmax=vmax)).save(png)
        return [npy, png]


INFERENCER = MSFlowInferencer
