"""write_synthetic_cub: CUB layout read back by CUBRetrieval, held-out combinations,
determinism, colour actually drawn."""
import hashlib
import os.path as osp

import numpy as np
import pytest
from cvshared.datasets.retrieval import CUBRetrieval
from cvshared.datasets.retrieval_synthetic import COLOURS, write_synthetic_cub
from PIL import Image


def _digest(root):
    h = hashlib.sha256()
    for name in ('images.txt', 'classes.txt', 'bounding_boxes.txt'):
        h.update(open(osp.join(root, name), 'rb').read())
    for line in open(osp.join(root, 'images.txt')):
        h.update(open(osp.join(root, 'images', line.split()[1]), 'rb').read())
    return h.hexdigest()


def test_layout_split_and_held_out_combinations(tmp_path):
    root = write_synthetic_cub(str(tmp_path / 'a'), num_classes=12, images_per_class=3,
                               image_size=32)
    train, test = CUBRetrieval(root, split='train'), CUBRetrieval(root, split='test')
    assert len(train) == len(test) == 18
    names_train = [n.split('.', 1)[1] for n in train.metainfo['classes']]
    names_test = [n.split('.', 1)[1] for n in test.metainfo['classes']]
    assert not set(names_train) & set(names_test)
    combos = lambda names: [tuple(n.split('_')) for n in names]  # noqa: E731
    # every test class is a new combination of a colour and a shape seen in training
    seen_c = {c for c, _ in combos(names_train)}
    seen_s = {s for _, s in combos(names_train)}
    assert all(c in seen_c and s in seen_s for c, s in combos(names_test))
    img = np.asarray(Image.open(test.get_data_info(0)['img_path']))
    assert img.shape == (32, 32, 3)


def test_deterministic_per_seed(tmp_path):
    a = write_synthetic_cub(str(tmp_path / 'a'), images_per_class=2, image_size=24, seed=1)
    b = write_synthetic_cub(str(tmp_path / 'b'), images_per_class=2, image_size=24, seed=1)
    c = write_synthetic_cub(str(tmp_path / 'c'), images_per_class=2, image_size=24, seed=2)
    assert _digest(a) == _digest(b) != _digest(c)


def test_the_shape_has_the_class_colour(tmp_path):
    root = write_synthetic_cub(str(tmp_path), num_classes=4, images_per_class=4, image_size=64)
    for line in open(osp.join(root, 'bounding_boxes.txt')):
        idx, x, y, w, h = line.split()
        rel = open(osp.join(root, 'images.txt')).read().splitlines()[int(idx) - 1].split()[1]
        colour = rel.split('/')[0].split('.', 1)[1].split('_')[0]
        img = np.asarray(Image.open(osp.join(root, 'images', rel))).astype(float)
        want = np.array(COLOURS[colour], float)
        dist = np.linalg.norm(img - want, axis=2)
        # some pixels inside the box are close to the class colour (JPEG + jitter), and more of
        # them than near any other palette colour
        near = (dist < 60).sum()
        others = [(np.linalg.norm(img - np.array(v, float), axis=2) < 60).sum()
                  for k, v in COLOURS.items() if k != colour]
        assert near > 20 and near > max(others), (rel, near, others)


def test_bad_arguments():
    with pytest.raises(ValueError, match='repeat'):
        write_synthetic_cub('/tmp/never', num_classes=5, num_shapes=1, num_colours=6)
    with pytest.raises(ValueError, match='images_per_class'):
        write_synthetic_cub('/tmp/never', images_per_class=1)
