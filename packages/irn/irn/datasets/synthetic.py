"""IRN's synthetic set: :func:`cvshared.datasets.voc_synthetic.make_voc_synthetic` (VOC 2012
layout, image-level labels from the XML, class / instance masks for the evaluation) with the
sizes IRN needs."""
from __future__ import annotations

from cvshared.datasets.voc_synthetic import make_voc_synthetic


def make_synthetic(root: str, num_train: int = 16, num_val: int = 8, seed: int = 0,
                   size=(128, 128), classes=('aeroplane', 'bicycle'), max_objects: int = 2) -> str:
    """Two classes (ellipses tinted red, rectangles tinted green), up to two objects per
    image, 128 x 128: a 32 x 32 grid at IRN's stride 4, on which the synthetic configs' pair
    radius 5 leaves 28 x 24 source pixels (radius 10, the paper's at 512 px, would leave 23 x 14).
    At 96 px (objects of 3.5-7 nodes) the learned boundary had gaps and the walk did not beat
    the CAM-only labels (tests/test_learning.py)."""
    return make_voc_synthetic(root, num_train=num_train, num_val=num_val, size=tuple(size),
                              classes=classes, max_objects=max_objects, seed=seed)
