"""The synthetic VOC generator's options: ``radius_range`` and the marked style (``mark``),
and that the default pictures stay what they were before the options existed."""
import hashlib

import numpy as np
import pytest
from cvshared.datasets.voc import IGNORE_INDEX
from cvshared.datasets.voc_synthetic import TINTS, make_voc_synthetic, render_image

# sha256 of six default render_image draws (seed 3, 48 x 56, 4 classes): computed with the
# generator as it was before radius_range / mark (commit 8247b04) and with it after; numpy
# 2.4.6 / cv2 5.0.0 draws (a pin change that moves it moves every synthetic figure too)
DEFAULT_SHA = '6af2a605059df293bc2fcd4a8103b077f6556dd0870b49e9132253eb9a1bf8a9'


def _digest(**kw):
    h = hashlib.sha256()
    rng = np.random.default_rng(3)
    for _ in range(6):
        img, cls_map, inst, objs = render_image(rng, (48, 56), 4, 3, 1, **kw)
        for a in (img, cls_map, inst):
            h.update(a.tobytes())
        for k, m in objs:
            h.update(bytes([k]))
            h.update(m.tobytes())
    return h.hexdigest()


def test_default_pictures_unchanged_by_the_options():
    assert _digest() == DEFAULT_SHA
    assert _digest(radius_range=None, mark=None) == DEFAULT_SHA
    assert _digest(mark=0.3) != DEFAULT_SHA


def test_radius_range_bounds_the_object_size():
    rng = np.random.default_rng(0)
    extents = []
    for _ in range(20):
        _, _, _, objs = render_image(rng, (80, 80), 1, 1, 0, radius_range=(0.1, 0.12))
        for _, m in objs:   # class 0 = ellipse: half-width = the radius (occlusion-free: 1 obj)
            xs = np.nonzero(m.any(0))[0]
            extents.append((xs.max() - xs.min()) / 2)
    assert 7.5 <= min(extents) and max(extents) <= 10.5, extents
    # the default range (80 // 8 + 2 .. 80 // 4 + 2 = 12..22) is far larger
    rng = np.random.default_rng(0)
    big = [np.ptp(np.nonzero(m.any(0))[0]) / 2 for _ in range(20)
           for _, m in render_image(rng, (80, 80), 1, 1, 0)[3]]
    assert min(big) >= 11.5


def test_marked_style_class_evidence_only_in_the_mark():
    rng = np.random.default_rng(1)
    n_obj = 0
    for _ in range(12):
        img, cls_map, inst, objs = render_image(rng, (80, 80), 4, 2, 1, (0.18, 0.3), 0.3)
        covered = np.zeros(cls_map.shape, bool)
        for k, m in objs:
            n_obj += 1
            assert not (covered & m).any()          # no overlap: every mark is visible
            covered |= m
            assert (cls_map[m] == k + 1).sum() + (cls_map[m] == IGNORE_INDEX).sum() == m.sum()
            tint = np.asarray(TINTS[k], np.float32)
            px = img[m].astype(np.float32)
            near_tint = np.abs(px - 0.75 * tint).max(1) < 0.25 * 255 * 0.6
            # the mark is a disc of radius 0.3 r: ~10-25 % of the body, at its centre
            frac = near_tint.mean()
            assert 0.04 < frac < 0.3, (k, frac)
            ys, xs = np.nonzero(m)
            ty, tx = np.nonzero(m)[0][near_tint], np.nonzero(m)[1][near_tint]
            assert abs(ty.mean() - (ys.min() + ys.max()) / 2) < 3 + 0.2 * np.ptp(ys)
            assert abs(tx.mean() - (xs.min() + xs.max()) / 2) < 3 + 0.2 * np.ptp(xs)
            # the rest of the body: one dark flat colour (not the class tint)
            body = px[~near_tint]
            assert body.max() < 0.85 * 55 + 0.15 * 255 + 1 and body.std(0).max() < 12
    assert n_obj >= 15


def test_marked_shapes_do_not_follow_the_class():
    rng = np.random.default_rng(2)
    seen = {}
    for _ in range(40):
        _, _, _, objs = render_image(rng, (80, 80), 2, 1, 0, (0.2, 0.3), 0.3)
        for k, m in objs:
            # fill ratio of the box tells the shape apart (ellipse ~0.79 of its box, rectangle 1,
            # triangle 0.5, cross ~0.55)
            ys, xs = np.nonzero(m)
            ratio = m.sum() / ((np.ptp(ys) + 1) * (np.ptp(xs) + 1))
            seen.setdefault(k, set()).add(int(ratio * 4))
    assert all(len(v) >= 3 for v in seen.values()), seen


def test_make_voc_synthetic_passes_the_options(tmp_path):
    from cvshared.datasets.voc import read_voc_mask
    a = make_voc_synthetic(str(tmp_path / 'a'), num_train=2, num_val=1, size=(64, 64),
                           mark=0.3, radius_range=(0.2, 0.3))
    m = read_voc_mask(a + '/SegmentationClass/2000_000000.png')
    assert ((m > 0) & (m < 255)).mean() > 0.05


@pytest.mark.parametrize('kw, match', [(dict(mark=0.0), 'mark'), (dict(mark=1.5), 'mark'),
                                       (dict(radius_range=(0.3, 0.2)), 'radius_range'),
                                       (dict(radius_range=(0.1, 0.6)), 'radius_range')])
def test_bad_options_are_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        render_image(np.random.default_rng(0), (64, 64), 2, 2, 1, **kw)


def test_background_only_images_only_in_train_cam_list(tmp_path):
    """``num_empty``: background-only images in train_cam.txt alone (all-zero image label and
    mask, the pictures' texture); every other file is byte-identical to the set without them,
    and the default writes no train_cam.txt."""
    import filecmp
    import os
    import os.path as osp

    from cvshared.datasets.voc import VOCWSSSDataset, read_voc_mask
    from cvshared.datasets.voc_synthetic import CAM_TRAIN_LIST
    from PIL import Image
    kw = dict(num_train=3, num_val=1, size=(48, 56), classes=('aeroplane', 'bicycle'),
              max_objects=2, seed=4, mark=0.3, radius_range=(0.2, 0.3))
    plain = make_voc_synthetic(str(tmp_path / 'plain'), **kw)
    root = make_voc_synthetic(str(tmp_path / 'empty'), num_empty=2, **kw)
    assert not osp.exists(osp.join(plain, CAM_TRAIN_LIST))
    files = sorted(osp.relpath(osp.join(d, f), plain) for d, _, fs in os.walk(plain) for f in fs)
    assert len(files) == 4 * 5 + 3
    for rel in files:
        assert filecmp.cmp(osp.join(plain, rel), osp.join(root, rel), shallow=False), rel
    with open(osp.join(root, 'ImageSets/Segmentation/train.txt')) as f:
        train = f.read().split()
    with open(osp.join(root, CAM_TRAIN_LIST)) as f:
        cam_list = f.read().split()
    assert cam_list == train + ['2000_900000', '2000_900001']
    ds = VOCWSSSDataset(data_root=root, ann_file=CAM_TRAIN_LIST, serialize_data=False)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [int(i['img_labels'].sum() > 0) for i in infos] == [1, 1, 1, 0, 0]
    for info in infos[3:]:
        assert not read_voc_mask(info['seg_map_path']).any()
        img = np.asarray(Image.open(info['img_path'])).astype(np.float32)
        assert img.shape == (48, 56, 3) and img.std() > 5             # a texture, not a fill
        # the marked style's grey-ish background: channels close (the tints differ by > 150)
        assert np.abs(img - img.mean(-1, keepdims=True)).max() < 60
    zero = make_voc_synthetic(str(tmp_path / 'zero'), num_empty=0, **kw)
    with open(osp.join(zero, CAM_TRAIN_LIST)) as f:
        assert f.read().split() == train
    with pytest.raises(ValueError, match='num_empty'):
        make_voc_synthetic(str(tmp_path / 'bad'), num_empty=-1, **kw)
