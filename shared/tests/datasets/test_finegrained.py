"""Fine-grained classification readers (``cvshared.datasets.finegrained``): the official splits
and label maps, agreement with mmpretrain's own ``CUB`` / ``StanfordCars`` readers on the same
files, user class names, and the errors that name the file and line."""
import os
import os.path as osp

import numpy as np
import pytest
from cvshared.datasets.finegrained import (
    CUB200Classification,
    FGVCAircraftClassification,
    NABirdsClassification,
    StanfordCarsClassification,
    StanfordDogsClassification,
    write_aircraft_fixture,
    write_cars_devkit_fixture,
    write_cub_cls_fixture,
    write_dogs_fixture,
    write_nabirds_fixture,
)
from cvshared.datasets.retrieval import write_cars196_fixture


def _pairs(ds):
    return [(osp.relpath(d['img_path'], ds.data_root), d['gt_label'])
            for d in map(ds.get_data_info, range(len(ds)))]


def test_cub_official_split_matches_mmpretrain(tmp_path):
    from mmpretrain.datasets import CUB
    root = write_cub_cls_fixture(str(tmp_path / 'cub'), num_classes=4, per_class=3)
    for split in ('train', 'test'):
        ours = CUB200Classification(root, split=split)
        theirs = CUB(data_root=root, split=split)
        assert _pairs(ours) == [(osp.relpath(d['img_path'], root), d['gt_label'])
                                for d in theirs.load_data_list()]
    train, test = (CUB200Classification(root, split=s) for s in ('train', 'test'))
    assert (len(train), len(test)) == (8, 4)      # j = 0, 2 train; j = 1 test, per class
    assert train.CLASSES == test.CLASSES == tuple(f'{c:03d}.Class_{c}' for c in range(1, 5))
    assert sorted({d['gt_label'] for d in test.load_data_list()}) == [0, 1, 2, 3]


def test_cub_errors_name_file_and_line(tmp_path):
    root = write_cub_cls_fixture(str(tmp_path / 'cub'), num_classes=2, per_class=2)
    with open(osp.join(root, 'train_test_split.txt'), 'a') as f:
        f.write('3 2\n')
    with pytest.raises(ValueError, match=r'id 3 repeated \(first at line 3\)'):
        CUB200Classification(root)
    root = write_cub_cls_fixture(str(tmp_path / 'c2'), num_classes=2, per_class=2)
    with open(osp.join(root, 'image_class_labels.txt'), 'w') as f:
        f.write('1 1\n2 1\n3 2\n4 7\n')
    with pytest.raises(ValueError, match=r'image_class_labels\.txt:4: class id 7 is not in '):
        CUB200Classification(root, split='test')
    os.remove(osp.join(root, 'train_test_split.txt'))
    with pytest.raises(FileNotFoundError, match=r'(?s)train_test_split\.txt.*<1 train \| 0 test>'):
        CUB200Classification(root)
    root = write_cub_cls_fixture(str(tmp_path / 'c3'), num_classes=2, per_class=2)
    os.remove(osp.join(root, 'images', '002.Class_2', 'Class_2_0000.jpg'))
    with pytest.raises(FileNotFoundError, match=r"images\.txt:3: lists image "
                       r"'002\.Class_2/Class_2_0000\.jpg'"):
        CUB200Classification(root)
    with pytest.raises(ValueError, match='split must be one of'):
        CUB200Classification(root, split='val')


def test_stanford_cars_both_layouts_match_mmpretrain(tmp_path):
    from mmpretrain.datasets import StanfordCars
    dev = write_cars_devkit_fixture(str(tmp_path / 'dev'), num_classes=3, per_class=4)
    comb = write_cars196_fixture(str(tmp_path / 'comb'), num_classes=3, per_class=4)
    for root in (dev, comb):
        for split in ('train', 'test'):
            ours = StanfordCarsClassification(root, split=split)
            theirs = StanfordCars(data_root=root, split=split)
            assert _pairs(ours) == [(osp.relpath(d['img_path'], root), d['gt_label'])
                                    for d in theirs.load_data_list()]
            assert len(ours) == 6 and ours.CLASSES == ('Make Model 1', 'Make Model 2',
                                                       'Make Model 3')
    os.remove(osp.join(dev, 'devkit', 'cars_test_annos_withlabels.mat'))
    with pytest.raises(FileNotFoundError, match=r'(?s)cars_test_annos_withlabels\.mat.*'
                       r'cars_train/00001\.jpg'):
        StanfordCarsClassification(dev, split='test')


def test_aircraft_levels_and_splits(tmp_path):
    root = write_aircraft_fixture(str(tmp_path / 'air'), num_classes=3, per_class=6)
    sizes = {s: len(FGVCAircraftClassification(root, split=s))
             for s in ('train', 'val', 'trainval', 'test')}
    assert sizes == {'train': 6, 'val': 6, 'trainval': 12, 'test': 6}
    test = FGVCAircraftClassification(root, split='test')
    assert test.CLASSES == ('Maker 1-100', 'Maker 2-200', 'Maker 3-300')
    assert [d['gt_label'] for d in test.load_data_list()] == [0, 0, 1, 1, 2, 2]
    assert test.get_data_info(0)['img_path'] == osp.join(root, 'data', 'images',
                                                         '1000002.jpg')
    with open(osp.join(root, 'data', 'images_variant_test.txt'), 'a') as f:
        f.write('1000099 Boeing 999\n')
    with pytest.raises(ValueError, match=r"images_variant_test\.txt:7: class 'Boeing 999' is "
                       r'not in .*variants\.txt'):
        FGVCAircraftClassification(root, split='test')
    with pytest.raises(FileNotFoundError, match=r'(?s)families\.txt.*images/<image id>\.jpg'):
        FGVCAircraftClassification(root, level='family')
    with pytest.raises(ValueError, match='level must be one of'):
        FGVCAircraftClassification(root, level='model')


def test_stanford_dogs(tmp_path):
    root = write_dogs_fixture(str(tmp_path / 'dogs'), num_classes=3, per_class=4)
    train = StanfordDogsClassification(root, split='train')
    assert train.CLASSES == ('Breed_1', 'Breed_2', 'Breed_3')
    assert _pairs(train) == [(f'Images/n{2085620 + c:08d}-Breed_{c}/n{2085620 + c:08d}_{j}.jpg',
                              c - 1) for c in (1, 2, 3) for j in (0, 2)]
    assert len(StanfordDogsClassification(root, split='test')) == 6
    from scipy.io import loadmat, savemat
    p = osp.join(root, 'lists', 'test_list.mat')
    m = loadmat(p)
    m['labels'][1, 0] = 2       # entry 2 (breed 1) now claims breed 2's label
    savemat(p, {k: v for k, v in m.items() if not k.startswith('__')})
    with pytest.raises(ValueError, match=r'entry 3 .* has label 2, which entry folder '
                       r"'n02085621-Breed_1' also has"):
        StanfordDogsClassification(root, split='test')


def test_nabirds_uuid_ids_and_leaf_labels(tmp_path):
    root = write_nabirds_fixture(str(tmp_path / 'nab'), num_classes=3, per_class=4)
    train, test = (NABirdsClassification(root, split=s) for s in ('train', 'test'))
    assert (len(train), len(test)) == (6, 6)
    # parents 0..3 of classes.txt are not labels: 3 classes, indices 0..2 in id order
    assert train.CLASSES == tuple(f'Bird species {c} (Adult)' for c in (1, 2, 3))
    assert sorted({d['class_id'] for d in test.load_data_list()}) == [295, 296, 297]
    assert sorted({d['gt_label'] for d in test.load_data_list()}) == [0, 1, 2]
    lines = open(osp.join(root, 'image_class_labels.txt')).read().splitlines()
    uid = lines[4].split()[0]
    lines[4] = f'{uid} 999'
    with open(osp.join(root, 'image_class_labels.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with pytest.raises(ValueError, match=r'image_class_labels\.txt:5: class id 999 is not in'):
        NABirdsClassification(root)
    root = write_nabirds_fixture(str(tmp_path / 'n2'), num_classes=2, per_class=2)
    lines = open(osp.join(root, 'train_test_split.txt')).read().splitlines()
    with open(osp.join(root, 'train_test_split.txt'), 'w') as f:
        f.write('\n'.join(lines[:-1]) + '\n')
    with pytest.raises(ValueError, match=r'images\.txt:4: image id .* has no line in '
                       r'.*train_test_split\.txt'):
        NABirdsClassification(root)


def test_pipeline_loads_images(tmp_path):
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    root = write_nabirds_fixture(str(tmp_path / 'nab'), num_classes=2, per_class=2)
    ds = NABirdsClassification(root, pipeline=[dict(type='LoadImageFromFile'),
                                                dict(type='PackInputs')])
    labels = [ds.get_data_info(i)['gt_label'] for i in range(len(ds))]
    assert sorted(labels) == [0, 1]
    i = labels.index(1)
    out = ds[i]
    assert tuple(out['inputs'].shape) == (3, 8, 8)
    assert int(out['data_samples'].gt_label) == 1
    assert np.asarray(out['inputs']).dtype == np.uint8
