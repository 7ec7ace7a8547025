"""PPAP on a user's own images: ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``.

Each image goes through the config's test pipeline without the label step (shorter side to
the evaluation size, centre crop), then the model's prediction at that crop's size: the
cluster-probe map (the unsupervised result: cluster ids, no class meaning without a matching
to labelled data) and the linear-probe map (class ids). Result per image: ``size`` (H, W of the
crop), the pixel count of each cluster id and of each linear class id. With an output folder:
``<stem>_clusters.png`` / ``<stem>_linear.png`` (uint8 id maps) and ``<stem>.png``, the picture
image | clusters | linear probe (:func:`ppap.hooks.visualization.draw_sample`).
"""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image


class PpapInferencer(CvsharedInferencer):
    """Images -> cluster and linear-probe maps."""

    GROUND_TRUTH_STEPS = ('LoadUSegAnnotation',)

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item), seg_map_path=None, img_id=stem(item), seg_fields=[],
                    label_mapping=None)

    @staticmethod
    def _maps(pred):
        return (pred.pred_sem_seg.data[0].cpu().numpy().astype(np.int64),
                pred.linear_pred_sem_seg.data[0].cpu().numpy().astype(np.int64))

    def result_of(self, item, pred) -> dict:
        cluster, linear = self._maps(pred)
        return dict(size=list(cluster.shape),
                    cluster_pixels={int(k): int(v) for k, v in
                                    zip(*np.unique(cluster, return_counts=True))},
                    linear_pixels={int(k): int(v) for k, v in
                                   zip(*np.unique(linear, return_counts=True))})

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        from .hooks.visualization import draw_sample
        cluster, linear = self._maps(pred)
        img = self._crop(item, cluster.shape)    # the crop the model saw (same steps)
        paths = []
        for name, arr in (('clusters', cluster), ('linear', linear)):
            paths.append(osp.join(out_dir, f'{stem(item)}_{name}.png'))
            Image.fromarray(arr.astype(np.uint8)).save(paths[-1])
        paths.append(osp.join(out_dir, f'{stem(item)}.png'))
        n = int(max(cluster.max(), linear.max())) + 1
        Image.fromarray(draw_sample(img, cluster, linear=linear, num_classes=n)).save(paths[-1])
        return paths

    def _crop(self, item, shape) -> np.ndarray:
        from mmengine.dataset import Compose
        from mmengine.registry import TRANSFORMS
        steps = [s for s in self.test_pipeline(self.cfg) if 'Pack' not in s['type']]
        with TRANSFORMS.switch_scope_and_registry(self.scope):
            out = Compose(steps)(self.input_to_data(item))
        img = out['img']
        if img.shape[:2] != tuple(shape):
            raise RuntimeError(f'{item}: the crop is {img.shape[:2]}, the prediction {shape}')
        return img


INFERENCER = PpapInferencer
