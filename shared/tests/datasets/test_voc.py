"""PASCAL VOC 2012 (+ SBD) data set in the official layout and the synthetic generator."""
import os
import os.path as osp
import shutil

import cvshared  # noqa: F401
import numpy as np
import pytest
from cvshared.datasets.voc import (
    VOC_FG_CLASSES,
    LoadVOCSegAnnotation,
    VOCWSSSDataset,
    check_voc_mask,
    image_labels_from_xml,
    read_image_list,
    read_voc_mask,
    voc_instances,
    voc_palette,
)
from cvshared.datasets.voc_synthetic import make_voc_synthetic
from PIL import Image

DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data', 'voc')
SMALL = dict(num_train=3, num_val=2, size=(48, 56), seed=5)


@pytest.fixture(scope='module')
def voc_root(tmp_path_factory):
    return make_voc_synthetic(str(tmp_path_factory.mktemp('voc')), **SMALL)


def _copy(voc_root, tmp_path):
    dst = str(tmp_path / 'VOC2012')
    shutil.copytree(voc_root, dst)
    return dst


def test_palette_is_the_voc_colour_map():
    pal = voc_palette(256)
    assert pal[:4] == [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]]
    assert pal[15] == [192, 128, 128]  # person
    assert pal[255] == [224, 224, 192]  # the ignore colour of VOC borders


def test_labels_from_xml_skip_parts_and_keep_difficult():
    labels = image_labels_from_xml(osp.join(DATA, 'person_parts.xml'))
    expected = np.zeros(20, np.float32)
    expected[VOC_FG_CLASSES.index('person')] = 1
    expected[VOC_FG_CLASSES.index('bicycle')] = 1  # difficult + truncated still counts
    np.testing.assert_array_equal(labels, expected)
    assert labels.dtype == np.float32


def test_list_files_irn_and_psa_formats(tmp_path):
    (tmp_path / 'irn.txt').write_text('2007_000032\n2007_000039\n\n')
    (tmp_path / 'psa.txt').write_text('/JPEGImages/2007_000032.jpg /SegmentationClassAug/'
                                      '2007_000032.png\n/JPEGImages/2007_000039.jpg x.png\n')
    assert read_image_list(str(tmp_path / 'irn.txt')) == ['2007_000032', '2007_000039']
    assert read_image_list(str(tmp_path / 'psa.txt')) == ['2007_000032', '2007_000039']


def test_dataset_samples_agree_with_the_masks(voc_root):
    ds = VOCWSSSDataset(data_root=voc_root, ann_file='ImageSets/Segmentation/train_aug.txt',
                        pipeline=[], with_instances=True)
    assert len(ds) == 3
    assert ds.metainfo['classes'][15] == 'person' and len(ds.metainfo['classes']) == 21
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert info['img_path'].endswith(f"JPEGImages/{info['img_name']}.jpg")
        assert info['seg_map_path'].endswith(f"SegmentationClassAug/{info['img_name']}.png")
        res = LoadVOCSegAnnotation()(dict(info))
        seg = res['gt_seg_map']
        present = sorted(set(np.unique(seg).tolist()) - {0, 255})
        # image-level labels from the XML = the classes of the semantic mask
        assert np.flatnonzero(info['img_labels']).tolist() == [c - 1 for c in present]
        assert 255 in seg  # VOC-style object borders
        masks, labels = voc_instances(
            info['seg_map_path'].replace('SegmentationClassAug', 'SegmentationClass'),
            info['inst_map_path'])
        assert sorted(set(labels.tolist())) == [c - 1 for c in present]
        union = np.zeros(seg.shape, bool)
        for m, lab in zip(masks, labels):
            assert (seg[m] == lab + 1).all()
            assert not (union & m).any()
            union |= m
        np.testing.assert_array_equal(union, (seg != 0) & (seg != 255))
    # SegmentationClass (palette PNG) and SegmentationClassAug (grey PNG) hold the same ids
    name = ds.get_data_info(0)['img_name']
    pal = Image.open(osp.join(voc_root, 'SegmentationClass', name + '.png'))
    assert pal.mode == 'P'
    np.testing.assert_array_equal(np.asarray(pal), read_voc_mask(
        osp.join(voc_root, 'SegmentationClassAug', name + '.png')))
    val = VOCWSSSDataset(data_root=voc_root, ann_file='ImageSets/Segmentation/val.txt',
                         data_prefix=dict(seg_map_path='SegmentationClass'), pipeline=[])
    assert len(val) == 2 and val.get_data_info(0)['img_name'] == '2000_500000'


def test_generator_is_deterministic(tmp_path, voc_root):
    other = make_voc_synthetic(str(tmp_path / 'again'), **SMALL)
    for rel in ('JPEGImages/2000_000001.jpg', 'SegmentationClass/2000_500001.png',
                'SegmentationObject/2000_000002.png', 'Annotations/2000_000000.xml',
                'ImageSets/Segmentation/train_aug.txt'):
        with open(osp.join(voc_root, rel), 'rb') as a, open(osp.join(other, rel), 'rb') as b:
            assert a.read() == b.read(), rel
    third = make_voc_synthetic(str(tmp_path / 'seed6'), **dict(SMALL, seed=6))
    a = read_voc_mask(osp.join(voc_root, 'SegmentationClass/2000_000000.png'))
    b = read_voc_mask(osp.join(third, 'SegmentationClass/2000_000000.png'))
    assert (a != b).any()


def test_missing_data_set_shows_the_tree(tmp_path):
    with pytest.raises(FileNotFoundError, match='SegmentationClassAug/<name>.png'):
        VOCWSSSDataset(data_root=str(tmp_path / 'nowhere'), pipeline=[])


def test_image_without_label_entry(voc_root, tmp_path):
    root = _copy(voc_root, tmp_path)
    os.remove(osp.join(root, 'Annotations', '2000_000001.xml'))
    with pytest.raises(FileNotFoundError, match=r'2000_000001\.jpg has no label entry'):
        VOCWSSSDataset(data_root=root, pipeline=[])
    # CAM inference without labels does not need the XML
    ds = VOCWSSSDataset(data_root=root, pipeline=[], with_image_labels=False)
    assert 'img_labels' not in ds.get_data_info(1)


def test_listed_image_missing(voc_root, tmp_path):
    root = _copy(voc_root, tmp_path)
    os.remove(osp.join(root, 'JPEGImages', '2000_000002.jpg'))
    with pytest.raises(FileNotFoundError, match=r'2000_000002'):
        VOCWSSSDataset(data_root=root, pipeline=[])


def test_out_of_range_class_ids(voc_root, tmp_path):
    root = _copy(voc_root, tmp_path)
    path = osp.join(root, 'SegmentationClassAug', '2000_000000.png')
    mask = read_voc_mask(path).copy()
    mask[0, 0] = 21
    Image.fromarray(mask, mode='L').save(path)
    ds = VOCWSSSDataset(data_root=root, pipeline=[])
    with pytest.raises(ValueError, match=r'2000_000000\.png.*\[21\]'):
        LoadVOCSegAnnotation()(dict(ds.get_data_info(0)))
    mask[0, 0] = 255  # ignore is valid
    Image.fromarray(mask, mode='L').save(path)
    assert LoadVOCSegAnnotation()(dict(ds.get_data_info(0)))['gt_seg_map'][0, 0] == 255


def test_rgb_mask_is_refused(voc_root, tmp_path):
    root = _copy(voc_root, tmp_path)
    path = osp.join(root, 'SegmentationClass', '2000_000000.png')
    Image.open(path).convert('RGB').save(path)
    with pytest.raises(ValueError, match="'RGB' image"):
        read_voc_mask(path)


def test_size_mismatch(voc_root, tmp_path):
    root = _copy(voc_root, tmp_path)
    path = osp.join(root, 'SegmentationClassAug', '2000_000000.png')
    Image.fromarray(read_voc_mask(path)[:, :-4], mode='L').save(path)
    ds = VOCWSSSDataset(data_root=root, pipeline=[])
    with pytest.raises(ValueError, match=r'is 52 x 48 \(W x H\) but its image .* is 56 x 48'):
        LoadVOCSegAnnotation()(dict(ds.get_data_info(0)))
    with pytest.raises(ValueError, match='52 x 48'):
        check_voc_mask(path, ds.get_data_info(0)['img_path'])
    # with a loaded image the size comes from ori_shape
    info = dict(ds.get_data_info(1), ori_shape=(40, 56))
    with pytest.raises(ValueError, match='56 x 48'):
        LoadVOCSegAnnotation()(info)
