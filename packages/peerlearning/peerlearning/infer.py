"""peerlearning's inferencer for ``tools/infer.py CONFIG CKPT IMAGE... [--out-dir D]``: an image
file in, the predicted class (of the peer ``model.predict_with`` names), its name and the
scores out; with an output folder, the picture of
:func:`peerlearning.hooks.visualization.draw_sample` (``<stem>.png``). The base class
(:class:`cvshared.engine.infer.CvsharedInferencer`) builds the model from the config, loads the
checkpoint safely and strictly and runs the config's test pipeline."""
from __future__ import annotations

import os.path as osp

import numpy as np
from cvshared.engine.infer import CvsharedInferencer, stem
from PIL import Image

from .hooks.visualization import draw_sample


class PeerlearningInferencer(CvsharedInferencer):
    """Images -> ``pred_label``, ``pred_class`` (when the config's test set names its classes)
    and ``scores``."""

    def test_pipeline(self, cfg) -> list:
        """The test pipeline, also inside ``ClassAlignedDataset`` (the clean test sets)."""
        dataset = cfg.test_dataloader.dataset
        while 'pipeline' not in dataset and 'dataset' in dataset:
            dataset = dataset['dataset']
        return list(dataset.get('pipeline') or [])

    def input_to_data(self, item) -> dict:
        return dict(img_path=str(item))   # no ground truth for a user's image

    def result_of(self, item, pred) -> dict:
        label = int(pred.pred_label)
        out = dict(pred_label=label, scores=[float(s) for s in pred.pred_score])
        classes = (getattr(self, 'dataset_meta', None) or {}).get('classes')
        if classes is not None and label < len(classes):
            out['pred_class'] = classes[label]
        return out

    def save(self, item, pred, result: dict, out_dir: str) -> list:
        with Image.open(item) as im:
            image = np.asarray(im.convert('RGB'))
        path = osp.join(out_dir, f'{stem(item)}.png')
        Image.fromarray(draw_sample(image, result['pred_label'])).save(path)
        return [path]


INFERENCER = PeerlearningInferencer
