"""MVTec AD / VisA readers, their transforms and the synthetic generator."""
import filecmp
import os
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.datasets.io import CorruptImageError
from cvshared.datasets.mvtec import (
    LoadAnomalyImageAndMask,
    MVTecADDataset,
    PackAnomalyInputs,
    VisAMVTecDataset,
)
from cvshared.datasets.mvtec_synthetic import write_synthetic_mvtec
from mmengine.registry import DATASETS
from PIL import Image

CAT = 'synthetic_texture'
SMALL = dict(image_size=32, num_train=3, num_test_good=2, num_test_defect=2)


@pytest.fixture
def mvtec_root(tmp_path):
    return write_synthetic_mvtec(str(tmp_path / 'mvtec'), **SMALL)


def _pipeline(size=16):
    return [dict(type='LoadAnomalyImageAndMask', img_size=size),
            dict(type='PackAnomalyInputs')]


def test_generator_is_deterministic_and_seeded(tmp_path):
    a = write_synthetic_mvtec(str(tmp_path / 'a'), **SMALL, seed=3)
    b = write_synthetic_mvtec(str(tmp_path / 'b'), **SMALL, seed=3)
    c = write_synthetic_mvtec(str(tmp_path / 'c'), **SMALL, seed=4)
    rel = osp.join(CAT, 'test', 'blob', '000.png')
    files = [osp.relpath(osp.join(d, f), a) for d, _, fs in os.walk(a) for f in fs]
    assert len(files) == 3 + 2 + 2 * 2 * 2  # train + test good + (image + mask) x 2 defects x 2
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors
    assert not filecmp.cmp(osp.join(a, rel), osp.join(c, rel), shallow=False)


def test_reads_the_official_layout(mvtec_root):
    train = DATASETS.build(dict(type='MVTecADDataset', data_root=mvtec_root, category=CAT,
                                split='train', pipeline=_pipeline()))
    test = MVTecADDataset(mvtec_root, CAT, split='test', pipeline=_pipeline())
    assert len(train) == 3 and len(test) == 2 + 4
    infos = [test.get_data_info(i) for i in range(len(test))]
    assert [i['gt_label'] for i in infos] == [1, 1, 0, 0, 1, 1]  # blob, good, scratch (sorted)
    for info in infos:
        assert (info['mask_path'] is None) == (info['defect_type'] == 'good')
        if info['mask_path']:
            assert info['mask_path'].endswith(
                osp.join('ground_truth', info['defect_type'], '000_mask.png')) or \
                info['mask_path'].endswith('001_mask.png')
    item = test[0]
    assert item['inputs'].shape == (3, 16, 16) and item['inputs'].dtype == torch.uint8
    sample = item['data_samples']
    assert int(sample.gt_label) == 1 and sample.defect_type == 'blob'
    assert sample.gt_mask.shape == (16, 16) and set(sample.gt_mask.unique().tolist()) <= {0, 1}
    assert sample.gt_mask.sum() > 0
    good = test[2]['data_samples']
    assert int(good.gt_label) == 0 and good.gt_mask.sum() == 0


def test_resize_is_lanczos_on_rgb(mvtec_root):
    path = osp.join(mvtec_root, CAT, 'train', 'good', '000.png')
    out = LoadAnomalyImageAndMask(img_size=(20, 24))(dict(img_path=path, mask_path=None))
    ref = np.asarray(Image.open(path).convert('RGB').resize((24, 20), Image.LANCZOS))
    assert out['img'].shape == (20, 24, 3) and np.array_equal(out['img'], ref)
    packed = PackAnomalyInputs()(dict(out, gt_label=0))
    assert packed['inputs'].shape == (3, 20, 24)


def test_visa_layout_masks_without_suffix(tmp_path):
    root = write_synthetic_mvtec(str(tmp_path / 'visa'), categories=['candle'], **SMALL,
                                 mask_suffix='.png')
    test = VisAMVTecDataset(root, 'candle', split='test', pipeline=_pipeline())
    assert test.get_data_info(0)['mask_path'].endswith(osp.join('blob', '000.png'))
    assert test[0]['data_samples'].gt_mask.sum() > 0
    with pytest.raises(FileNotFoundError, match='has no mask'):
        MVTecADDataset(root, 'candle', split='test')  # MVTec naming expects *_mask.png


def test_missing_category_shows_expected_tree(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        MVTecADDataset(str(tmp_path), 'bottle', split='train')
    msg = str(err.value)
    assert 'bottle' in msg and 'train/good' in msg and 'ground_truth/<defect>' in msg


def test_test_image_without_mask(mvtec_root):
    mask = osp.join(mvtec_root, CAT, 'ground_truth', 'scratch', '001_mask.png')
    os.remove(mask)
    with pytest.raises(FileNotFoundError, match='001.png') as err:
        MVTecADDataset(mvtec_root, CAT, split='test')
    assert mask in str(err.value)


def test_mask_of_wrong_size(mvtec_root):
    mask = osp.join(mvtec_root, CAT, 'ground_truth', 'blob', '000_mask.png')
    Image.new('L', (7, 7)).save(mask)
    with pytest.raises(ValueError, match='000_mask.png.*size'):
        MVTecADDataset(mvtec_root, CAT, split='test')


def test_non_image_and_corrupt_files_are_named(mvtec_root):
    stray = osp.join(mvtec_root, CAT, 'train', 'good', 'notes.txt')
    open(stray, 'w').write('x')
    with pytest.raises(ValueError, match='notes.txt'):
        MVTecADDataset(mvtec_root, CAT, split='train')
    os.remove(stray)
    bad = osp.join(mvtec_root, CAT, 'train', 'good', '001.png')
    open(bad, 'wb').write(b'not a png at all')
    with pytest.raises(ValueError, match='001.png'):
        MVTecADDataset(mvtec_root, CAT, split='train')
    # without the start-up check the loader still names the file
    ds = MVTecADDataset(mvtec_root, CAT, split='train', check_images=False, pipeline=_pipeline())
    with pytest.raises(CorruptImageError, match='001.png.*corrupt'):
        ds[1]


def test_test_folder_with_loose_images_names_the_folder_and_the_fix(mvtec_root):
    test_dir = osp.join(mvtec_root, CAT, 'test')
    Image.new('RGB', (32, 32)).save(osp.join(test_dir, 'loose.png'))
    with pytest.raises(ValueError, match=r"holds files directly.*'loose.png'") as err:
        MVTecADDataset(data_root=mvtec_root, category=CAT, split='test')
    assert test_dir in str(err.value) and 'ground_truth/<defect>/' in str(err.value)


def test_test_split_without_a_defect_class_is_an_error(mvtec_root):
    import shutil
    for d in ('blob', 'scratch'):
        shutil.rmtree(osp.join(mvtec_root, CAT, 'test', d))
    test_dir = osp.join(mvtec_root, CAT, 'test')
    with pytest.raises(ValueError, match='no defect folder') as err:
        MVTecADDataset(data_root=mvtec_root, category=CAT, split='test')
    assert repr(test_dir) in str(err.value) and 'ground_truth/<defect>/' in str(err.value)
    # the training split and an explicit opt-out still list what is there
    assert len(MVTecADDataset(data_root=mvtec_root, category=CAT, split='train')) == 3
    ds = MVTecADDataset(data_root=mvtec_root, category=CAT, split='test',
                        require_both_classes=False)
    assert [d['defect_type'] for d in ds.data_list] == ['good', 'good']


def test_test_split_without_good_images_is_an_error(mvtec_root):
    import shutil
    shutil.rmtree(osp.join(mvtec_root, CAT, 'test', 'good'))
    with pytest.raises(ValueError, match='no good/ folder'):
        MVTecADDataset(data_root=mvtec_root, category=CAT, split='test')


def test_any_category_name_works(tmp_path):
    root = write_synthetic_mvtec(str(tmp_path / 'custom'), categories=('my_part',), **SMALL)
    for cls in (MVTecADDataset,):
        train = cls(data_root=root, category='my_part', split='train', pipeline=_pipeline())
        test = cls(data_root=root, category='my_part', split='test', pipeline=_pipeline())
        assert len(train) == 3 and len(test) == 2 + 2 * 2
        assert {d['category'] for d in test.data_list} == {'my_part'}
        assert test[0]['data_samples'].metainfo['category'] == 'my_part'
    with pytest.raises(ValueError, match='one folder'):
        MVTecADDataset(data_root=root, category='a/b')
