"""The web training sets in the released layout (torchvision ImageFolder's order), their errors,
the clean-test-set label alignment and the synthetic set."""
import os

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from PIL import Image


def write_web(root, layout):
    """``layout``: {class: [relative file names]} under ``root/train``."""
    for cls, files in layout.items():
        for name in files:
            path = root / 'train' / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.full((4, 4, 3), 7, np.uint8)).save(path, format='PNG')
    return root


LAYOUT = {'b_class': ['2.jpg', '1.PNG', 'sub/0.jpg', 'notes.txt'], 'a_class': ['z.jpeg'],
          'c_class': ['x.webp']}


def test_web_split_matches_torchvision_imagefolder(tmp_path):
    from peerlearning.datasets import WebFGDataset
    from torchvision.datasets import ImageFolder
    root = write_web(tmp_path, LAYOUT)
    ours = WebFGDataset(data_root=str(root), split='train')
    theirs = ImageFolder(str(root / 'train'))
    assert ours.metainfo['classes'] == tuple(theirs.classes) == ('a_class', 'b_class', 'c_class')
    assert [(d['img_path'], d['gt_label']) for d in ours.load_data_list()] == \
        [(p, c) for p, c in theirs.samples]
    assert len(ours) == 5   # notes.txt is not an image


def test_missing_image_is_named(tmp_path):
    from peerlearning.datasets import WebFGDataset
    root = write_web(tmp_path, {'a': ['1.jpg']})
    os.symlink(tmp_path / 'gone.jpg', root / 'train' / 'a' / '2.jpg')   # a broken link
    with pytest.raises(FileNotFoundError, match=r'train/a/2\.jpg does not exist'):
        WebFGDataset(data_root=str(root), split='train')
    (root / 'train' / 'a' / '2.jpg').unlink()
    (root / 'train' / 'a' / '3.jpg').write_bytes(b'')
    with pytest.raises(OSError, match=r'3\.jpg is empty'):
        WebFGDataset(data_root=str(root), split='train')


def test_web_list_with_a_missing_image_names_the_line(tmp_path):
    from peerlearning.datasets import WebFGDataset
    root = write_web(tmp_path, {'a': ['1.jpg'], 'b': ['2.jpg']})
    (root / 'list.txt').write_text('train/a/1.jpg 0\ntrain/b/2.jpg 1\ntrain/b/missing.jpg 1\n')
    with pytest.raises(FileNotFoundError, match=r'list\.txt:3: image .*missing\.jpg does not'):
        WebFGDataset(data_root=str(root), split='train', ann_file='list.txt')
    (root / 'list.txt').write_text('train/a/1.jpg 0\ntrain/b/2.jpg 5\n')
    with pytest.raises(ValueError, match=r'list\.txt:2: label 5 outside 0\.\.1'):
        WebFGDataset(data_root=str(root), split='train', ann_file='list.txt')
    (root / 'list.txt').write_text('train/a/1.jpg 0\ntrain/b/2.jpg 1\n')
    data = WebFGDataset(data_root=str(root), split='train', ann_file='list.txt')
    assert [d['gt_label'] for d in data.load_data_list()] == [0, 1]


def test_missing_data_set_shows_the_tree(tmp_path):
    from peerlearning.datasets import WebFGDataset
    with pytest.raises(FileNotFoundError) as err:
        WebFGDataset(data_root=str(tmp_path / 'web-bird'), split='train')
    assert str(tmp_path / 'web-bird' / 'train') in str(err.value)
    assert 'val/<class name>/<image>.jpg' in str(err.value)
    write_web(tmp_path, {'a': ['notes.txt']})
    with pytest.raises(FileNotFoundError, match='holds no image'):
        WebFGDataset(data_root=str(tmp_path), split='train')


def test_align_classes_by_name_and_its_errors():
    from peerlearning.datasets import align_classes
    train = ['001.Black_footed_Albatross', '002.Laysan_Albatross', '003.Sooty_Albatross']
    assert align_classes(['003.Sooty_Albatross', '001.Black_footed_Albatross'], train) == [2, 0]
    assert align_classes(['Laysan albatross', 'sooty-albatross'], train) == [1, 2]
    with pytest.raises(ValueError, match="1 test classes .*'Gull'"):
        align_classes(['Gull', '002.Laysan_Albatross'], train)
    assert align_classes(['x', 'y', 'z'], train, match='order') == [0, 1, 2]
    with pytest.raises(ValueError, match='class counts differ'):
        align_classes(['x'], train, match='order')


def test_clean_cub_test_set_gets_the_web_labels(tmp_path):
    """The shared CUB reader's labels (official id order) re-indexed to web folders that are
    sorted differently (here: reversed names)."""
    from cvshared.datasets.finegrained import write_cub_cls_fixture
    from peerlearning.datasets import ClassAlignedDataset
    cub = write_cub_cls_fixture(str(tmp_path / 'CUB_200_2011'), num_classes=3, per_class=4)
    web = tmp_path / 'web'
    for name in ('Class_3', 'Class_2', 'Class_1'):   # no numeric prefix: matched by name
        write_web(web, {name: ['0.jpg']})
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        data = ClassAlignedDataset(
            dataset=dict(type='CUB200Classification', data_root=cub, split='test',
                         pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')]),
            classes_root=str(web / 'train'))
    assert data.metainfo['classes'] == ('Class_1', 'Class_2', 'Class_3')
    infos = [data.get_data_info(i) for i in range(len(data))]
    assert len(infos) == 6
    for info in infos:   # the folder of the CUB image names its class
        cls = os.path.basename(os.path.dirname(info['img_path'])).split('.')[1]
        assert data.metainfo['classes'][info['gt_label']] == cls
    assert int(data[0]['data_samples'].gt_label) == infos[0]['gt_label']


def test_synthetic_set_layout_and_noise(tmp_path):
    from peerlearning.datasets import WebFGDataset, make_synthetic
    make_synthetic(str(tmp_path), per_class=10, test_per_class=3)
    web = WebFGDataset(data_root=str(tmp_path / 'web'), split='train')
    assert len(web) == 60 and len(web.metainfo['classes']) == 6
    rows = [line.split() for line in (tmp_path / 'web' / 'noise.txt').read_text().splitlines()]
    true, noisy = np.array([int(r[1]) for r in rows]), np.array([int(r[2]) for r in rows])
    assert (true != noisy).mean() == pytest.approx(0.4)   # exactly 40 % flipped, to OTHER classes
    labels = {d['img_path'].split('/train/')[1]: d['gt_label'] for d in web.load_data_list()}
    assert [labels[r[0].split('train/')[1]] for r in rows] == noisy.tolist()
