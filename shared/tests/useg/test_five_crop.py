"""The five-crop pre-cropping step (official crop_datasets.py) and its command line."""
import importlib.util
import os
import os.path as osp

import numpy as np
import pytest
import torch
from cvshared.datasets.useg import (
    CocoStuff27Dataset,
    CroppedUSegDataset,
    LoadUSegAnnotation,
    LoadUSegImage,
    cropped_dir,
)
from cvshared.datasets.useg_synthetic import make_cityscapes_synthetic, make_synthetic
from cvshared.useg.five_crop import crop_size, five_crop, five_crop_dataset
from PIL import Image

#: mmengine serialises a data list with a gc.collect() each time (0.1-1 s): skipped here
FAST = dict(serialize_data=False)
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'useg_five_crop', osp.join(REPO, 'tools', 'useg_five_crop.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize('hw', [(48, 64), (37, 51)])
def test_crops_equal_torchvision_five_crop(hw):
    from torchvision.transforms.functional import five_crop as tv_five_crop
    rng = np.random.default_rng(hw[1])
    img = rng.integers(0, 256, hw + (3,), dtype=np.uint8)
    ours = five_crop(img, 0.5)
    tensor = torch.from_numpy(img).permute(2, 0, 1)
    size = [int(tensor.shape[1] * 0.5), int(tensor.shape[2] * 0.5)]    # official _get_size
    ref = tv_five_crop(tensor, size)
    assert len(ours) == 5
    for a, b in zip(ours, ref):
        np.testing.assert_array_equal(a, b.permute(1, 2, 0).numpy())
    assert ours[4].shape == (hw[0] // 2, hw[1] // 2, 3)
    with pytest.raises(ValueError, match='ratio must lie in'):
        crop_size(10, 10, 0.05)


def test_cropped_tree_from_coco_equals_the_official_recipe(tmp_path):
    """Each written crop is the PIL JPEG (default quality) of torchvision's five_crop of the
    image, and label + 1 of the crop of the mapped label, numbered 5k + j."""
    from torchvision.transforms.functional import five_crop as tv_five_crop
    from torchvision.transforms.functional import to_tensor
    root = make_synthetic(str(tmp_path / 'cocostuff'), num_train=2, num_val=1, size=(40, 54))
    ds = CocoStuff27Dataset(root, split='train', **FAST)
    out = cropped_dir(root, 'cocostuff27', 'five', 0.5)
    assert out.endswith(osp.join('cropped', 'cocostuff27_five_crop_0.5'))
    assert five_crop_dataset(ds, out, 'train', 0.5) == 10
    assert sorted(os.listdir(osp.join(out, 'img', 'train')), key=lambda s: int(s[:-4])) == \
        [f'{i}.jpg' for i in range(10)]
    for k in range(2):
        info = ds.get_data_info(k)
        res = LoadUSegAnnotation()(LoadUSegImage()(dict(info)))
        img_t = to_tensor(Image.open(info['img_path']).convert('RGB'))
        lab = torch.from_numpy(res['gt_seg_map'].astype(np.int64))
        lab[lab == 255] = -1
        size = [int(img_t.shape[1] * 0.5), int(img_t.shape[2] * 0.5)]
        for j, (ic, lc) in enumerate(zip(tv_five_crop(img_t, size), tv_five_crop(lab, size))):
            i = 5 * k + j
            arr = ic.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8).numpy()
            ref_path = str(tmp_path / 'ref.jpg')
            Image.fromarray(arr).save(ref_path, 'JPEG')
            got = np.asarray(Image.open(osp.join(out, 'img', 'train', f'{i}.jpg')))
            np.testing.assert_array_equal(got, np.asarray(Image.open(ref_path)))
            got_lab = np.asarray(Image.open(osp.join(out, 'label', 'train', f'{i}.png')))
            np.testing.assert_array_equal(got_lab, (lc + 1).numpy().astype(np.uint8))
    cropped = CroppedUSegDataset(root, dataset_name='cocostuff27', split='train', **FAST)
    assert len(cropped) == 10
    gt = LoadUSegAnnotation()(dict(cropped.get_data_info(7)))['gt_seg_map']
    full = LoadUSegAnnotation()(LoadUSegImage()(dict(ds.get_data_info(1))))['gt_seg_map']
    np.testing.assert_array_equal(gt, five_crop(full, 0.5)[2])     # image 1, bottom-left


def test_command_line_cityscapes(tmp_path, capsys):
    root = make_cityscapes_synthetic(str(tmp_path / 'cityscapes'), num_train=3, num_val=1)
    assert _tool().main(['cityscapes', root, '--limit', '2']) == 0
    assert 'train: 10 crops of 2 images' in capsys.readouterr().out
    train = CroppedUSegDataset(root, dataset_name='cityscapes', split='train', **FAST)
    val = CroppedUSegDataset(root, dataset_name='cityscapes', split='val', **FAST)
    assert (len(train), len(val)) == (10, 5)
    gt = LoadUSegAnnotation()(dict(val.get_data_info(4)))['gt_seg_map']
    assert gt.shape == (16, 32) and set(np.unique(gt)) <= {0, 10, 16, 19, 255}
    with pytest.raises(SystemExit):
        _tool().parse_args(['voc', root])
