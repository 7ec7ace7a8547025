"""HP on a user's own images: the cluster map (the unsupervised segmentation) and the
linear-probe map.

    python tools/infer.py configs/hp/<config>.py CKPT img1.jpg [img2.jpg ...] --out-dir D

Each image goes through the config's test pipeline without the label (shorter side to the
evaluation size, centre crop) and the model's evaluation (upsampled code, cluster and linear
probes; the dense CRF when the config sets ``crf=True``). Per image ``<stem>``:
``D/<stem>_clusters.png`` (cluster ids as grey levels, uint8), ``D/<stem>.png`` (image |
clusters | linear, :func:`cvshared.useg.visualization.draw_useg`) and an entry of
``D/results.json``: the crop size and each cluster's pixel share. The clusters are not matched
to classes here (the matching needs labelled test images: ``tools/test.py --show-dir``).
"""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image


class HpInferencer(CvsharedInferencer):
    """Images -> ``pred_sem_seg`` (clusters) and ``linear_pred_sem_seg``."""

    GROUND_TRUTH_STEPS = ('LoadUSegAnnotation',)

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item), seg_map_path=None, label_mapping=None, seg_fields=[])

    @staticmethod
    def _maps(pred):
        cluster = pred.pred_sem_seg.data[0].cpu().numpy().astype(np.int64)
        linear = pred.linear_pred_sem_seg.data[0].cpu().numpy().astype(np.int64)
        return cluster, linear

    def result_of(self, item, pred) -> dict:
        cluster, _ = self._maps(pred)
        ids, counts = np.unique(cluster, return_counts=True)
        return dict(size=list(cluster.shape),
                    cluster_share={int(i): float(c) / cluster.size for i, c in zip(ids, counts)})

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        from cvshared.datasets.useg import read_useg_image, short_side_size

        from ..hooks.visualization import draw_sample
        cluster, linear = self._maps(pred)
        # the network's input crop: shorter side to the crop size (PIL nearest), centre crop
        img = read_useg_image(str(item))
        res = cluster.shape[0]
        nh, nw = short_side_size(img.shape[0], img.shape[1], res)
        img = np.asarray(Image.fromarray(img).resize((nw, nh), Image.NEAREST))
        top, left = int(round((nh - res) / 2)), int(round((nw - cluster.shape[1]) / 2))
        img = img[top:top + res, left:left + cluster.shape[1]]
        base = osp.join(out_dir, stem(item))
        Image.fromarray(cluster.clip(0, 255).astype(np.uint8)).save(base + '_clusters.png')
        Image.fromarray(draw_sample(img, cluster, linear=linear)).save(base + '.png')
        return [base + '_clusters.png', base + '.png']


INFERENCER = HpInferencer
