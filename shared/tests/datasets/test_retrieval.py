"""Retrieval data sets in their official layouts: the zero-shot splits, labels, class names,
and every bad-input error naming the file and line."""
import os
import os.path as osp

import pytest
from cvshared.datasets.retrieval import (
    Cars196Retrieval,
    CUBRetrieval,
    InShopRetrieval,
    SOPRetrieval,
    write_cars196_fixture,
    write_cub_fixture,
    write_inshop_fixture,
    write_sop_fixture,
)


def _infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_cub_zero_shot_split_not_the_classification_split(tmp_path):
    root = write_cub_fixture(str(tmp_path), num_classes=4, per_class=3)
    train, test = CUBRetrieval(root, split='train'), CUBRetrieval(root, split='test')
    assert [d['class_id'] for d in _infos(train)] == [1, 1, 1, 2, 2, 2]
    assert [d['class_id'] for d in _infos(test)] == [3, 3, 3, 4, 4, 4]
    assert [d['gt_label'] for d in _infos(test)] == [0, 0, 0, 1, 1, 1]  # split-local labels
    assert test.metainfo['classes'] == ('003.Class_3', '004.Class_4')
    assert _infos(test)[0]['img_path'] == osp.join(root, 'images', '003.Class_3',
                                                  'Class_3_0000.jpg')
    # the fixture's train_test_split.txt marks every other image; it must be ignored
    assert len(train) == 6 and len(test) == 6
    three = CUBRetrieval(root, split='train', num_train_classes=3)
    assert len(three) == 9


def test_cub_missing_image_names_file_and_line(tmp_path):
    root = write_cub_fixture(str(tmp_path), num_classes=4, per_class=3)
    os.remove(osp.join(root, 'images', '004.Class_4', 'Class_4_0001.jpg'))
    CUBRetrieval(root, split='train')  # the other split is unaffected
    with pytest.raises(FileNotFoundError, match=r'images\.txt:11: lists image '
                                                r"'004\.Class_4/Class_4_0001\.jpg'"):
        CUBRetrieval(root, split='test')


def test_cub_inconsistent_files_are_errors(tmp_path):
    root = write_cub_fixture(str(tmp_path), num_classes=4, per_class=2, images=False)
    with open(osp.join(root, 'image_class_labels.txt'), 'a') as f:
        f.write('3 9\n')
    with pytest.raises(ValueError, match=r'image_class_labels\.txt:9: id 3 repeated'):
        CUBRetrieval(root, check_files=False)
    write_cub_fixture(root, num_classes=4, per_class=2, images=False)
    with open(osp.join(root, 'image_class_labels.txt'), 'a') as f:
        f.write('9 7\n')
    with pytest.raises(ValueError, match=r'image id 9 is not in'):
        CUBRetrieval(root, check_files=False)
    write_cub_fixture(root, num_classes=4, per_class=2, images=False)
    with open(osp.join(root, 'images.txt'), 'a') as f:
        f.write('nine x.jpg\n')
    with pytest.raises(ValueError, match=r'images\.txt:9: expected "<id> <value>"'):
        CUBRetrieval(root, check_files=False)
    write_cub_fixture(root, num_classes=4, per_class=2, images=False)
    os.remove(osp.join(root, 'classes.txt'))
    with pytest.raises(FileNotFoundError, match=r'classes\.txt.*Expected layout'):
        CUBRetrieval(root, check_files=False)
    with pytest.raises(FileNotFoundError, match='does not exist'):
        CUBRetrieval(osp.join(root, 'nope'))
    with pytest.raises(ValueError, match='split must be one of'):
        CUBRetrieval(root, split='val')


def test_cars196_from_the_mat_file(tmp_path):
    root = write_cars196_fixture(str(tmp_path), num_classes=4, per_class=3)
    train, test = Cars196Retrieval(root, split='train'), Cars196Retrieval(root, split='test')
    assert [d['class_id'] for d in _infos(train)] == [1] * 3 + [2] * 3
    assert [d['gt_label'] for d in _infos(test)] == [0] * 3 + [1] * 3
    assert test.metainfo['classes'] == ('Make Model 3', 'Make Model 4')
    assert _infos(train)[0]['img_path'] == osp.join(root, 'car_ims', '000001.jpg')
    os.remove(osp.join(root, 'car_ims', '000008.jpg'))
    with pytest.raises(FileNotFoundError, match=r"cars_annos\.mat:annotations\[7\]"):
        Cars196Retrieval(root, split='test')


def test_sop_train_and_test_files(tmp_path):
    root = write_sop_fixture(str(tmp_path), num_classes=4, per_class=3)
    train, test = SOPRetrieval(root, split='train'), SOPRetrieval(root, split='test')
    assert [d['class_id'] for d in _infos(train)] == [1] * 3 + [2] * 3
    assert [d['gt_label'] for d in _infos(test)] == [0] * 3 + [1] * 3
    with open(osp.join(root, 'Ebay_test.txt'), 'a') as f:
        f.write('13 5 1\n')
    with pytest.raises(ValueError, match=r'Ebay_test\.txt:8: expected "image_id class_id'):
        SOPRetrieval(root, split='test')
    write_sop_fixture(root, num_classes=4, per_class=3, images=False)
    os.remove(osp.join(root, 'super2_final', '4_2.JPG'))
    with pytest.raises(FileNotFoundError, match=r"Ebay_test\.txt:7: lists image "
                                                r"'super2_final/4_2\.JPG'"):
        SOPRetrieval(root, split='test')


def test_inshop_query_and_gallery(tmp_path):
    root = write_inshop_fixture(str(tmp_path), num_items=6, per_item=3)
    train = InShopRetrieval(root, split='train')
    test = InShopRetrieval(root, split='test')
    assert len(train) == 9 and 'is_query' not in _infos(train)[0]
    infos = _infos(test)
    assert [d['is_query'] for d in infos] == [True, False, False] * 3
    assert [d['gt_label'] for d in infos] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert infos[0]['img_path'] == osp.join(root, 'Img', 'img', 'WOMEN', 'Dresses',
                                            'id_00000004', '00_1_front.jpg')
    assert len(InShopRetrieval(root, split='query')) == 3
    assert len(InShopRetrieval(root, split='gallery')) == 6
    with open(osp.join(root, 'Eval', 'list_eval_partition.txt'), 'a') as f:
        f.write('img/x.jpg id_00000009 validation\n')
    with pytest.raises(ValueError, match=r'list_eval_partition\.txt:21: expected'):
        InShopRetrieval(root, split='test')


def test_pipeline_loads_images(tmp_path):
    root = write_cub_fixture(str(tmp_path), num_classes=2, per_class=2)
    ds = CUBRetrieval(root, split='test', pipeline=[dict(type='LoadImageFromFile'),
                                                    dict(type='PackInputs')])
    item = ds[0]
    assert tuple(item['inputs'].shape) == (3, 8, 8)
    assert int(item['data_samples'].gt_label) == 0
