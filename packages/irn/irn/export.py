"""Export of IRN's pseudo labels (``step/make_sem_seg_labels.py`` PNGs and
``step/make_cocoann.py`` json) through :mod:`cvshared.wsss.export`.

* :func:`save_sem_label`: a semantic pseudo label (class ids, 0 = bg) as a VOC palette PNG.
* :func:`detections_to_instances`: an :func:`irn.labels.ins_seg_label` result -> the
  ``(class_id, score, mask)`` list of :func:`cvshared.wsss.export.instances_to_coco`, keeping the
  detections with ``score >= 1e-5`` as ``make_cocoann.py`` does (fragments, scored 0, drop out).
* :func:`save_instances_json`: the COCO json for Mask R-CNN.

Official bug, fixed: ``make_cocoann.py`` writes the 0-based class (``keys``) as
``category_id`` next to the 1-based VOC categories of ``pascal_val2012.json`` (aeroplane gets id
0, every class is shifted); ``instances_to_coco`` writes ``class_id + 1``.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from cvshared.wsss.export import instances_to_coco, save_coco_json, save_label_png

MIN_SCORE = 1e-5


def save_sem_label(path: str, label) -> str:
    label = np.asarray(label)
    if label.ndim != 2:
        raise ValueError(f'save_sem_label: label must be H x W, got {label.shape}')
    if label.min() < 0 or (label.max() > 20 and not np.isin(label[label > 20], (255,)).all()):
        raise ValueError(f'save_sem_label: class ids must be 0..20 or 255, got '
                         f'{sorted(set(np.unique(label)) - set(range(21)) - {255})[:5]}')
    return save_label_png(path, label.astype(np.uint8))


def detections_to_instances(det: dict, min_score: float = MIN_SCORE) -> list:
    return [(int(c), float(s), np.asarray(m, bool))
            for s, m, c in zip(det['score'], det['mask'], det['class']) if s >= min_score]


def save_instances_json(path: str, records: Iterable) -> str:
    """``records``: ``(file_name, height, width, det)`` per image, ``det`` from
    :func:`irn.labels.ins_seg_label`."""
    coco = instances_to_coco([(f, h, w, detections_to_instances(d)) for f, h, w, d in records])
    return save_coco_json(path, coco)
