"""Unsupervised-segmentation data sets in the official layouts (COCO-Stuff-27, Cityscapes-27,
Potsdam-3, the five-crop layout) and the 320 centre-crop evaluation transform."""
import os
import os.path as osp
import shutil

import cvshared  # noqa: F401
import numpy as np
import pytest
import torch
from cvshared.datasets.useg import (
    COCO_FINE_TO_COARSE,
    IGNORE_INDEX,
    Cityscapes27Dataset,
    CocoStuff27Dataset,
    CroppedUSegDataset,
    LoadUSegAnnotation,
    LoadUSegImage,
    Potsdam3Dataset,
    ResizeShortSide,
    label_lut,
    map_labels,
    read_useg_image,
    read_useg_label,
    useg_eval_pipeline,
)
from cvshared.datasets.useg_synthetic import (
    make_cityscapes_synthetic,
    make_potsdam_synthetic,
    make_synthetic,
)
from mmcv.transforms import CenterCrop
from PIL import Image

#: mmengine serialises a data list with a gc.collect() each time (0.1-1 s): skipped here
FAST = dict(serialize_data=False)


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    d = tmp_path_factory.mktemp('useg')
    return dict(coco=make_synthetic(str(d / 'cocostuff'), num_train=3, num_val=2, seed=1),
                potsdam=make_potsdam_synthetic(str(d / 'potsdam'), num_train=2, num_val=1,
                                               num_unlabelled=1, seed=2),
                city=make_cityscapes_synthetic(str(d / 'cityscapes'), num_train=2, num_val=2,
                                               seed=3))


def _neg(gt):
    """Our ignore (255) as the official's (-1)."""
    gt = np.asarray(gt).astype(np.int64)
    return np.where(gt == IGNORE_INDEX, -1, gt)


def _copy(src, tmp_path):
    dst = str(tmp_path / osp.basename(src))
    shutil.copytree(src, dst)
    return dst


# ---------------------------------------------------------------------------------- mappings

def _official_coco(fine):
    """The official Coco.__getitem__ arithmetic, on a tensor (the reference)."""
    label = torch.tensor(np.asarray(fine), dtype=torch.int64)
    label[label == 255] = -1
    coarse = torch.zeros_like(label)
    for f, c in COCO_FINE_TO_COARSE.items():
        coarse[label == f] = c
    coarse[label == -1] = -1
    return coarse.numpy()


def test_coco_mapping_equals_official_arithmetic():
    fine = np.r_[np.arange(182), 255].astype(np.uint8).reshape(1, -1)
    np.testing.assert_array_equal(_neg(map_labels(fine, 'cocostuff27')), _official_coco(fine))
    assert len(COCO_FINE_TO_COARSE) == 182 and set(COCO_FINE_TO_COARSE.values()) == set(range(27))
    # spot checks of the official table: person, sky-other, wood
    assert [COCO_FINE_TO_COARSE[f] for f in (0, 156, 181)] == [9, 23, 24]


def test_cityscapes_and_potsdam_mappings():
    ids = np.arange(34, dtype=np.uint8).reshape(1, -1)
    city = map_labels(ids, 'cityscapes27')
    assert (city[0, :7] == IGNORE_INDEX).all()
    np.testing.assert_array_equal(city[0, 7:], np.arange(27))   # labelId - 7
    pots = map_labels(np.array([[0, 1, 2, 3, 4, 5, 255]], np.uint8), 'potsdam3')
    np.testing.assert_array_equal(pots, [[0, 1, 2, 2, 0, 1, 255]])
    crop = map_labels(np.array([[0, 1, 27]], np.uint8), 'cropped:27')
    np.testing.assert_array_equal(crop, [[255, 0, 26]])
    assert label_lut('cocostuff27') is label_lut('cocostuff27')
    with pytest.raises(ValueError, match='unknown label mapping'):
        label_lut('voc')


@pytest.mark.parametrize('mapping,bad', [('cocostuff27', 182), ('cityscapes27', 34),
                                         ('potsdam3', 6), ('cropped:27', 28)])
def test_ids_outside_the_mapping_name_the_file(tmp_path, mapping, bad):
    path = str(tmp_path / 'label.png')
    Image.fromarray(np.array([[0, bad], [1, 2]], np.uint8)).save(path)
    with pytest.raises(ValueError, match=rf"label\.png' holds ids \[{bad}\] outside the "
                                         rf'{mapping} mapping'):
        read_useg_label(path, mapping)


def test_rgb_label_map_is_an_error(tmp_path):
    path = str(tmp_path / 'rgb.png')
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path)
    with pytest.raises(ValueError, match="is a 'RGB' image"):
        read_useg_label(path, 'cocostuff27')


# ---------------------------------------------------------------------------------- COCO

def test_coco_reads_the_official_lists_and_maps_labels(roots):
    root = roots['coco']
    train = CocoStuff27Dataset(root, split='train', **FAST)
    val = CocoStuff27Dataset(root, split='val', **FAST)
    both = CocoStuff27Dataset(root, split='train+val', **FAST)
    assert train.image_list == 'Coco164kFull_Stuff_Coarse.txt'
    assert val.image_list == 'Coco164kFull_Stuff_Coarse_7.txt'
    assert (len(train), len(val), len(both)) == (3, 2, 5)
    info = val.get_data_info(1)
    assert info['img_path'] == osp.join(root, 'images', 'val2017', 'val_00001.jpg')
    assert info['seg_map_path'] == osp.join(root, 'annotations', 'val2017', 'val_00001.png')
    res = LoadUSegAnnotation()(LoadUSegImage()(dict(info)))
    fine = np.asarray(Image.open(info['seg_map_path']))
    np.testing.assert_array_equal(_neg(res['gt_seg_map']), _official_coco(fine))
    assert set(np.unique(res['gt_seg_map'])) <= {21, 22, 23, 26, 255}
    assert res['img'].shape == (48, 64, 3) and res['img'].dtype == np.uint8
    np.testing.assert_array_equal(res['img'], np.asarray(Image.open(info['img_path'])
                                                         .convert('RGB')))
    assert val.metainfo['classes'][23] == 'sky'


def test_coco_missing_listed_file_names_list_and_line(roots, tmp_path):
    root = _copy(roots['coco'], tmp_path)
    os.remove(osp.join(root, 'annotations', 'val2017', 'val_00001.png'))
    with pytest.raises(FileNotFoundError, match=r"Coco164kFull_Stuff_Coarse_7\.txt, line 2: "
                                                r"label map of 'val_00001' not found"):
        CocoStuff27Dataset(root, split='val')
    with pytest.raises(FileNotFoundError, match='curated/train2017/Coco164kFull_Stuff_Coarse'):
        CocoStuff27Dataset(str(tmp_path / 'nowhere'), split='train')
    with pytest.raises(ValueError, match="split 'test'"):
        CocoStuff27Dataset(root, split='test')


def test_label_and_image_size_mismatch(roots, tmp_path):
    root = _copy(roots['coco'], tmp_path)
    path = osp.join(root, 'annotations', 'train2017', 'train_00000.png')
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(path)
    info = CocoStuff27Dataset(root, split='train', **FAST).get_data_info(0)
    with pytest.raises(ValueError, match='is 10 x 10 .W x H. but its image .* is 64 x 48'):
        LoadUSegAnnotation()(LoadUSegImage()(info))


# ---------------------------------------------------------------------------------- Cityscapes

def test_cityscapes_torchvision_layout(roots, tmp_path):
    root = roots['city']
    ds = Cityscapes27Dataset(root, split='val', **FAST)
    assert len(ds) == 2
    names = [osp.basename(ds.get_data_info(i)['img_path']) for i in range(2)]
    assert names == ['aachen_000000_000019_leftImg8bit.png',
                     'bremen_000001_000019_leftImg8bit.png']
    info = ds.get_data_info(0)
    assert info['seg_map_path'].endswith(
        'gtFine/val/aachen/aachen_000000_000019_gtFine_labelIds.png')
    raw = np.asarray(Image.open(info['seg_map_path'])).astype(np.int64)
    gt = LoadUSegAnnotation()(LoadUSegImage()(info))['gt_seg_map']
    ref = raw - 7                          # the official CityscapesSeg: target - first_nonvoid
    ref[ref < 0] = -1
    np.testing.assert_array_equal(_neg(gt), ref)
    assert 255 in gt and set(np.unique(gt)) <= {0, 10, 16, 19, 255} and len(np.unique(gt)) >= 3
    bad = _copy(root, tmp_path)
    os.remove(info['seg_map_path'].replace(root, bad))
    with pytest.raises(FileNotFoundError, match='has no label map .*gtFine_labelIds.png'):
        Cityscapes27Dataset(bad, split='val')
    with pytest.raises(FileNotFoundError, match='leftImg8bit/<split>|leftImg8bit/\\{train'):
        Cityscapes27Dataset(bad, split='test')


# ---------------------------------------------------------------------------------- Potsdam

def test_potsdam_mat_files_splits_and_mapping(roots, tmp_path):
    from scipy.io import loadmat
    root = roots['potsdam']
    sizes = {s: len(Potsdam3Dataset(root, split=s, **FAST))
             for s in ('train', 'val', 'train+val', 'unlabelled_train', 'all')}
    assert sizes == {'train': 2, 'val': 1, 'train+val': 3, 'unlabelled_train': 1, 'all': 4}
    info = Potsdam3Dataset(root, split='val', **FAST).get_data_info(0)
    res = LoadUSegAnnotation()(LoadUSegImage()(info))
    mat_img = loadmat(info['img_path'])['img']
    assert mat_img.shape[2] == 4
    np.testing.assert_array_equal(res['img'], mat_img[:, :, :3])
    fine = loadmat(info['seg_map_path'])['gt']
    assert {3, 4, 5} & set(np.unique(fine))        # the second fine id of some class is there
    lut = {0: 0, 4: 0, 1: 1, 5: 1, 2: 2, 3: 2, 255: 255}
    np.testing.assert_array_equal(res['gt_seg_map'], np.vectorize(lut.get)(fine))
    unl = Potsdam3Dataset(root, split='unlabelled_train', **FAST).get_data_info(0)
    assert unl['seg_map_path'] is None
    gt = LoadUSegAnnotation()(LoadUSegImage()(unl))['gt_seg_map']
    assert gt.shape == (40, 40) and (gt == 255).all()
    bad = _copy(root, tmp_path)
    os.remove(osp.join(bad, 'gt', info['img_id'] + '.mat'))
    with pytest.raises(FileNotFoundError, match=r"labelled_test\.txt, line 1: label .* not "
                                                r"found \(split 'val' is labelled\)"):
        Potsdam3Dataset(bad, split='val')
    with pytest.raises(ValueError, match="split 'test'"):
        Potsdam3Dataset(bad, split='test')


def test_potsdam_mat_without_key(tmp_path):
    from scipy.io import savemat
    savemat(str(tmp_path / 'x.mat'), {'image': np.zeros((2, 2, 3), np.uint8)})
    with pytest.raises(ValueError, match="has no key 'img' .keys: \\['image'\\]"):
        read_useg_image(str(tmp_path / 'x.mat'))


# ---------------------------------------------------------------------------------- cropped

def test_cropped_layout_reads_official_names(tmp_path):
    folder = tmp_path / 'cropped' / 'mine_five_crop_0.5'
    for sub in ('img/train', 'label/train'):
        (folder / sub).mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)).save(
            folder / 'img' / 'train' / f'{i}.jpg')
        Image.fromarray(np.full((6, 8), i, np.uint8)).save(folder / 'label' / 'train' / f'{i}.png')
    ds = CroppedUSegDataset(str(tmp_path), dataset_name='mine', split='train', **FAST,
                            metainfo=dict(classes=('a', 'b', 'c')))
    assert len(ds) == 3
    gts = [LoadUSegAnnotation()(dict(ds.get_data_info(i)))['gt_seg_map'][0, 0] for i in range(3)]
    assert gts == [255, 0, 1]                           # label - 1, 0 = ignore
    with pytest.raises(ValueError, match='pass metainfo=dict.classes'):
        CroppedUSegDataset(str(tmp_path), dataset_name='mine', split='train')
    os.rename(folder / 'img' / 'train' / '2.jpg', folder / 'img' / 'train' / '7.jpg')
    with pytest.raises(FileNotFoundError, match=r"2\.jpg' not found: the crops must be numbered"):
        CroppedUSegDataset(str(tmp_path), dataset_name='mine', split='train',
                           metainfo=dict(classes=('a', 'b', 'c')))
    with pytest.raises(FileNotFoundError, match='run tools/useg_five_crop.py first'):
        CroppedUSegDataset(str(tmp_path), dataset_name='cocostuff27', split='train')


# ---------------------------------------------------------------------------------- eval transform

def _torchvision_eval(img: Image.Image, res: int) -> np.ndarray:
    import torchvision.transforms as T
    return np.asarray(T.Compose([T.Resize(res, Image.NEAREST), T.CenterCrop(res)])(img))


@pytest.mark.parametrize('hw', [(427, 640), (500, 333), (321, 321), (90, 75)])
def test_resize_short_side_and_center_crop_equal_torchvision(hw):
    """The official get_transform(320, ..., 'center'): Resize(320, NEAREST) + CenterCrop(320),
    on the image and the label. 427 x 640 -> torchvision 320 x 479 (mmcv would round to 480)."""
    rng = np.random.default_rng(hw[0])
    img = rng.integers(0, 256, hw + (3,), dtype=np.uint8)
    lab = rng.integers(0, 27, hw, dtype=np.uint8)
    res = dict(img=img, gt_seg_map=lab, seg_fields=['gt_seg_map'])
    res = ResizeShortSide(320)(res)
    if hw == (427, 640):
        assert res['img'].shape[:2] == (320, 479)
    res = CenterCrop(crop_size=320)(res)
    np.testing.assert_array_equal(res['img'], _torchvision_eval(Image.fromarray(img), 320))
    np.testing.assert_array_equal(res['gt_seg_map'], _torchvision_eval(Image.fromarray(lab), 320))
    assert res['img'].shape == (320, 320, 3)


def test_eval_pipeline_packs_a_320_sample(roots):
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
    ds = CocoStuff27Dataset(roots['coco'], split='val', pipeline=useg_eval_pipeline(320), **FAST)
    out = ds[0]
    assert out['inputs'].shape == (3, 320, 320) and out['inputs'].dtype == torch.uint8
    gt = out['data_samples'].gt_sem_seg.data
    assert gt.shape == (1, 320, 320)
    info = ds.get_data_info(0)
    raw = LoadUSegAnnotation()(LoadUSegImage()(dict(info)))
    ref = _torchvision_eval(Image.fromarray(raw['gt_seg_map']), 320)
    np.testing.assert_array_equal(gt[0].numpy(), ref)
    ref_img = _torchvision_eval(Image.open(info['img_path']).convert('RGB'), 320)
    np.testing.assert_array_equal(out['inputs'].permute(1, 2, 0).numpy(), ref_img)
    assert out['data_samples'].metainfo['img_id'] == 'val_00000'
    assert Compose(useg_eval_pipeline(224, with_label=False))(dict(info))['inputs'].shape == \
        (3, 224, 224)


def test_registered_for_configs(roots):
    """The data sets and transforms build by type name from mmseg's registries (configs)."""
    from mmseg.registry import DATASETS, TRANSFORMS
    ds = DATASETS.build(dict(type='Potsdam3Dataset', data_root=roots['potsdam'], split='train',
                             serialize_data=False))
    assert len(ds) == 2 and ds.metainfo['classes'][0] == 'roads and cars'
    for name in ('LoadUSegImage', 'LoadUSegAnnotation', 'CenterCrop'):
        assert TRANSFORMS.get(name) is not None, name
    assert isinstance(TRANSFORMS.build(dict(type='ResizeShortSide', scale=224)), ResizeShortSide)
    with pytest.raises(ValueError, match='positive integer'):
        ResizeShortSide(22.5)
