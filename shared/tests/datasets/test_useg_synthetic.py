"""The synthetic unsupervised-segmentation layouts: deterministic, in the official layouts, and
with class signatures a tiny frozen feature extractor separates."""
import hashlib
import os
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.datasets.useg import read_useg_image, read_useg_label
from cvshared.datasets.useg_synthetic import (
    DEFAULT_CLASSES,
    class_signature,
    make_synthetic,
    render_regions,
)


def _digest(root):
    h = hashlib.sha256()
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            h.update(osp.relpath(osp.join(dirpath, f), root).encode())
            with open(osp.join(dirpath, f), 'rb') as fh:
                h.update(fh.read())
    return h.hexdigest()


def test_deterministic_and_seeded(tmp_path):
    a = make_synthetic(str(tmp_path / 'a'), num_train=2, num_val=1, seed=3)
    b = make_synthetic(str(tmp_path / 'b'), num_train=2, num_val=1, seed=3)
    c = make_synthetic(str(tmp_path / 'c'), num_train=2, num_val=1, seed=4)
    assert _digest(a) == _digest(b) != _digest(c)
    ids = open(osp.join(a, 'curated', 'val2017', 'Coco164kFull_Stuff_Coarse_7.txt')).read()
    assert ids == 'val_00000\n'
    fine = np.asarray(read_useg_label(osp.join(a, 'annotations', 'train2017', 'train_00000.png'),
                                      'cocostuff27'))
    assert set(np.unique(fine)) <= set(DEFAULT_CLASSES) | {255}
    assert (fine == 255).mean() < 0.1


def test_regions_cover_classes_and_borders_are_ignore():
    rng = np.random.default_rng(0)
    img, slot, region = render_regions(rng, (40, 50), 4)
    assert img.shape == (40, 50, 3) and img.dtype == np.uint8
    assert len(set(np.unique(slot)) - {-1}) >= 2               # at least two classes
    border = slot == -1
    assert border.any() and not border.all()
    with pytest.raises(ValueError, match='classes have a signature'):
        render_regions(rng, (8, 8), 9)
    sigs = {class_signature(k) for k in range(8)}
    assert len(sigs) == 8


def test_frozen_random_features_separate_the_classes(tmp_path):
    """A frozen random 7x7 conv (16 filters, |.|, 8x8 average pooling) and a nearest-class-mean
    rule fitted on the train images label >= 90 % of the val patches (8 x 8, one class) right."""
    root = make_synthetic(str(tmp_path / 's'), num_train=6, num_val=3, size=(64, 64), seed=0)
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 16, 7, padding=3)

    def patches(split, prefix, n):
        feats, labels = [], []
        for i in range(n):
            img = read_useg_image(osp.join(root, 'images', split, f'{prefix}_{i:05d}.jpg'))
            lab = read_useg_label(osp.join(root, 'annotations', split, f'{prefix}_{i:05d}.png'),
                                  'cocostuff27')
            x = torch.from_numpy(img.copy()).permute(2, 0, 1)[None].float() / 255
            with torch.no_grad():
                f = torch.nn.functional.avg_pool2d(conv(x).abs(), 8)[0]       # 16 x 8 x 8
            lab = lab.reshape(8, 8, 8, 8).transpose(0, 2, 1, 3).reshape(8, 8, 64)
            for y in range(8):
                for x_ in range(8):
                    vals, counts = np.unique(lab[y, x_], return_counts=True)
                    if counts.max() == 64 or (vals[counts.argmax()] != 255
                                              and counts.max() >= 56):
                        if vals[counts.argmax()] != 255:
                            feats.append(f[:, y, x_].numpy())
                            labels.append(int(vals[counts.argmax()]))
        return np.stack(feats), np.array(labels)

    ftr, ytr = patches('train2017', 'train', 6)
    fva, yva = patches('val2017', 'val', 3)
    classes = sorted(set(ytr))
    assert len(classes) == 4 and len(yva) > 40
    means = np.stack([ftr[ytr == c].mean(0) for c in classes])
    std = ftr.std(0) + 1e-6
    pred = np.array(classes)[(((fva[:, None] - means[None]) / std) ** 2).sum(-1).argmin(1)]
    assert (pred == yva).mean() >= 0.9
