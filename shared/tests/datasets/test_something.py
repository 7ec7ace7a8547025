"""Something-Something V1 / V2 in the official layouts (``cvshared.datasets.something``)."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from cvshared.datasets.something import SthV1Dataset, SthV2Dataset, normalize_template
from cvshared.datasets.something_synthetic import write_synthetic_sthv2
from mmengine.registry import init_default_scope
from PIL import Image

SIZE = (32, 32)


def _pipeline(decoder='CheckedDecordInit', decode='DecordDecode', num_clips=8):
    return [dict(type=decoder), dict(type='SampleFrames', clip_len=1, frame_interval=1,
                                     num_clips=num_clips, test_mode=True),
            dict(type=decode), dict(type='FormatShape', input_format='NCHW'),
            dict(type='PackActionInputs')]


@pytest.fixture(scope='module')
def sthv2(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('sthv2'))
    return write_synthetic_sthv2(root, num_classes=4, num_train=2, num_val=1, num_frames=8,
                                 size=SIZE, seed=0)


def _v2(root, **kw):
    init_default_scope('mmaction')
    kw.setdefault('pipeline', _pipeline())
    return SthV2Dataset(data_root=root, **kw)


def test_sthv2_reads_the_released_layout(sthv2):
    ds = _v2(sthv2['root'])
    assert len(ds) == 8
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        vid = osp.splitext(osp.basename(info['filename']))[0]
        assert info['label'] == sthv2['videos'][vid][0]
        assert info['filename'] == osp.join(sthv2['root'], '20bn-something-something-v2',
                                            vid + '.webm')
    assert ds.classes[0] == 'Pushing something from left to right'
    for decoder, decode in (('CheckedDecordInit', 'DecordDecode'),
                            ('CheckedPyAVInit', 'PyAVDecode')):
        out = _v2(sthv2['root'], pipeline=_pipeline(decoder, decode))[3]
        assert tuple(out['inputs'].shape) == (8, 3, *SIZE)
        assert int(out['data_samples'].gt_label) == sthv2['videos']['1004'][0] == 3
    val = _v2(sthv2['root'], ann_file='labels/something-something-v2-validation.json')
    assert sorted(val.get_data_info(i)['label'] for i in range(len(val))) == [0, 1, 2, 3]
    test = _v2(sthv2['root'], ann_file='labels/something-something-v2-test.json', test_mode=True)
    assert [test.get_data_info(i)['label'] for i in range(len(test))] == [-1] * 4


def test_template_normalisation_matches_the_label_file_keys(tmp_path):
    assert normalize_template('Putting [something] on [something similar]') == \
        'Putting something on something similar'
    (tmp_path / 'labels').mkdir()
    (tmp_path / '20bn-something-something-v2').mkdir()
    (tmp_path / '20bn-something-something-v2' / '7.webm').write_bytes(b'')
    (tmp_path / 'labels' / 'something-something-v2-labels.json').write_text(json.dumps(
        {'Holding something': '0', 'Putting something on something': '1'}))
    (tmp_path / 'labels' / 'something-something-v2-train.json').write_text(json.dumps(
        [{'id': '7', 'label': 'putting a cup on a box', 'template': 'Putting [something] on '
          '[something]', 'placeholders': ['a cup', 'a box']}]))
    assert _v2(str(tmp_path), pipeline=[]).get_data_info(0)['label'] == 1


def _broken_v2(tmp_path, sthv2, train):
    root = tmp_path / 'v2'
    (root / 'labels').mkdir(parents=True)
    os.symlink(sthv2['video_dir'], root / '20bn-something-something-v2')
    with open(sthv2['labels']) as f:
        (root / 'labels' / 'something-something-v2-labels.json').write_text(f.read())
    (root / 'labels' / 'something-something-v2-train.json').write_text(json.dumps(train))
    return str(root)


def test_sthv2_errors_name_the_file_and_entry(tmp_path, sthv2):
    with pytest.raises(FileNotFoundError, match=r'(?s)SS-V2 label map.*20bn-something-'
                       r'something-v2/<id>\.webm.*something-something-v2-validation\.json'):
        _v2(str(tmp_path / 'nowhere'))
    good = {'id': '1001', 'label': 'x', 'template': 'Moving [something] up', 'placeholders': []}
    root = _broken_v2(tmp_path, sthv2, [good, dict(good, template='Spinning [something]')])
    with pytest.raises(KeyError, match=r"train\.json: entry 1 \(id 1001\): template 'Spinning "
                       r"\[something\]' \(normalised 'Spinning something'\) is not in the label "
                       'map'):
        _v2(root)
    os.remove(osp.join(root, 'labels', 'something-something-v2-train.json'))
    root = _broken_v2(tmp_path / 'b', sthv2, [good, {'template': 'Moving [something] up'}])
    with pytest.raises(ValueError, match=r'train\.json: entry 1: expected \{"id"'):
        _v2(root)
    root = _broken_v2(tmp_path / 'c', sthv2, [{'id': '1001'}])
    with pytest.raises(ValueError, match=r'entry 0 \(id 1001\): no "template".*test_mode=True'):
        _v2(root)
    root = _broken_v2(tmp_path / 'd', sthv2, [dict(good, id='424242')])
    with pytest.raises(FileNotFoundError, match=r'entry 0: video .*424242\.webm.* not found'):
        _v2(root)


@pytest.mark.parametrize('decoder', ['CheckedDecordInit', 'CheckedPyAVInit'])
def test_undecodable_video_names_the_file(tmp_path, sthv2, decoder):
    root = tmp_path / 'v2'
    (root / 'labels').mkdir(parents=True)
    (root / '20bn-something-something-v2').mkdir()
    (root / '20bn-something-something-v2' / '5.webm').write_bytes(b'\x1aE\xdf\xa3 not a video')
    with open(sthv2['labels']) as f:
        (root / 'labels' / 'something-something-v2-labels.json').write_text(f.read())
    (root / 'labels' / 'something-something-v2-train.json').write_text(json.dumps(
        [{'id': '5', 'label': 'x', 'template': 'Moving [something] up', 'placeholders': []}]))
    ds = _v2(str(root), pipeline=_pipeline(decoder, 'DecordDecode'))
    with pytest.raises(RuntimeError, match=r'5\.webm: cannot be decoded by .*re-download'):
        ds[0]


# --------------------------------------------------------------------------- V1

V1_CLASSES = ['Holding something', 'Pushing something from left to right',
              'Putting something on a surface']


def _write_v1(root, frames=None, train=None, labels=V1_CLASSES, test=('3',)):
    """A tiny SS-V1 tree: videos id -> number of JPEG frames (or a list of frame numbers)."""
    frames = frames if frames is not None else {'1': 5, '2': 9, '3': 3}
    train = train if train is not None else ['1;Holding something',
                                             '2;Putting something on a surface']
    rng = np.random.default_rng(0)
    for vid, n in frames.items():
        d = osp.join(root, '20bn-something-something-v1', vid)
        os.makedirs(d, exist_ok=True)
        for k in (range(1, n + 1) if isinstance(n, int) else n):
            Image.fromarray(rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)).save(
                osp.join(d, f'{k:05d}.jpg'))
    for name, lines in (('labels', labels), ('train', train), ('test', test)):
        with open(osp.join(root, f'something-something-v1-{name}.csv'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return root


def _v1(root, **kw):
    init_default_scope('mmaction')
    kw.setdefault('pipeline', [dict(type='SampleFrames', clip_len=1, frame_interval=1,
                                    num_clips=8, test_mode=True),
                               dict(type='RawFrameDecode'),
                               dict(type='FormatShape', input_format='NCHW'),
                               dict(type='PackActionInputs')])
    return SthV1Dataset(data_root=root, **kw)


def test_sthv1_reads_the_released_layout(tmp_path):
    root = _write_v1(str(tmp_path))
    ds = _v1(root)
    assert [(d['label'], d['total_frames']) for d in map(ds.get_data_info, range(2))] == \
        [(0, 5), (2, 9)]
    assert ds.get_data_info(1)['frame_dir'] == osp.join(root, '20bn-something-something-v1', '2')
    out = ds[1]
    assert tuple(out['inputs'].shape) == (8, 3, 12, 16)
    # uniform TSN-style test sampling of 8 of 9 frames, 1-based, read from 00001.jpg on
    first = np.asarray(Image.open(osp.join(root, '20bn-something-something-v1', '2',
                                           '00001.jpg')))
    # RGB, as mmaction2 reads
    assert np.array_equal(out['inputs'][0].permute(1, 2, 0).numpy(), first)
    test = _v1(root, ann_file='something-something-v1-test.csv', test_mode=True)
    assert test.get_data_info(0)['label'] == -1 and test.get_data_info(0)['total_frames'] == 3


def test_sthv1_errors_name_the_file_and_line(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'(?s)SS-V1 label list.*<id>/00001\.jpg'):
        _v1(str(tmp_path / 'nowhere'))
    root = _write_v1(str(tmp_path / 'a'))
    _v1(root, min_frames=5)
    with pytest.raises(ValueError, match=r"train\.csv:1: frame folder .*1' has 5 frames "
                       r'\(00001\.jpg\.\.\.\), fewer than the 6 the sampler needs'):
        _v1(root, min_frames=6)
    root = _write_v1(str(tmp_path / 'b'), frames={'1': [1, 2, 4], '2': 2})
    with pytest.raises(ValueError, match=r"train\.csv:1: .* has 3 frames but no 00003\.jpg"):
        _v1(root)
    root = _write_v1(str(tmp_path / 'c'), train=['1;Holding something', '2;Juggling something'])
    with pytest.raises(KeyError, match=r"train\.csv:2: class 'Juggling something' is not in the "
                       r'label list .*labels\.csv'):
        _v1(root)
    root = _write_v1(str(tmp_path / 'd'), train=['1;Holding something;extra'])
    with pytest.raises(ValueError, match=r'train\.csv:1: expected "<id>;<class name>"'):
        _v1(root)
    root = _write_v1(str(tmp_path / 'e'), train=['7;Holding something'])
    with pytest.raises(FileNotFoundError, match=r"train\.csv:1: frame folder .*/7' not found"):
        _v1(root)


# --------------------------------------------------------------------------- flip, configs

def test_selective_flip_keeps_the_left_right_classes(tmp_path):
    from cvshared.datasets.something import LEFT_RIGHT_CLASSES, SelectiveFlip
    img = np.arange(2 * 3 * 4 * 3, dtype=np.uint8).reshape(2, 3, 4, 3)

    def run(t, label):
        return t(dict(imgs=list(img.copy()), label=label, modality='RGB'))['imgs']
    flip = SelectiveFlip(flip_ratio=1.0, keep_labels=(3,))
    assert np.array_equal(np.stack(run(flip, 3)), img)
    assert np.array_equal(np.stack(run(flip, 2)), img[:, :, ::-1])
    labels = tmp_path / 'labels.csv'
    labels.write_text('\n'.join(['Holding something', *LEFT_RIGHT_CLASSES]) + '\n')
    by_name = SelectiveFlip(flip_ratio=1.0, keep_classes=LEFT_RIGHT_CLASSES,
                            label_file=str(labels))
    assert by_name.keep_labels == frozenset(range(1, 7))
    with pytest.raises(KeyError, match=r"classes \['Spinning something'\] are not in .*labels"):
        SelectiveFlip(keep_classes=['Spinning something'], label_file=str(labels))


def _build_from_base(name, data_root, monkeypatch):
    from cvshared.datasets.something import SthV2Dataset  # noqa: F401  (registers)
    from mmengine.config import Config
    from mmengine.utils import import_modules_from_strings
    monkeypatch.setenv('DATA_ROOT', data_root)
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', '_base_',
                                   'datasets', name))
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope('mmaction')
    from mmaction.registry import DATASETS
    return cfg, DATASETS.build(cfg.train_dataloader.dataset), \
        DATASETS.build(cfg.val_dataloader.dataset)


def test_sthv2_synthetic_config_base(sthv2, monkeypatch):
    cfg, train, val = _build_from_base('sthv2_synthetic.py', sthv2['root'], monkeypatch)
    assert cfg.data_root == sthv2['root'] and (len(train), len(val)) == (8, 4)
    out = train[0]
    assert tuple(out['inputs'].shape) == (8, 3, *SIZE)
    assert cfg.val_evaluator.metric_options.top_k_accuracy.topk == (1,)


def _v2_with_official_names(tmp_path, sthv2):
    """The synthetic tree with a labels file holding the six left/right class names too."""
    from cvshared.datasets.something import LEFT_RIGHT_CLASSES
    root = tmp_path / 'v2'
    (root / 'labels').mkdir(parents=True)
    os.symlink(sthv2['video_dir'], root / '20bn-something-something-v2')
    with open(sthv2['labels']) as f:
        labels = json.load(f)
    labels.update({c: str(4 + i) for i, c in enumerate(LEFT_RIGHT_CLASSES)
                   if c not in labels})
    (root / 'labels' / 'something-something-v2-labels.json').write_text(json.dumps(labels))
    for split in ('train', 'validation'):
        with open(sthv2[split]) as f:
            (root / 'labels' / f'something-something-v2-{split}.json').write_text(f.read())
    return str(root)


def test_sthv2_config_base(tmp_path, sthv2, monkeypatch):
    root = _v2_with_official_names(tmp_path, sthv2)
    cfg, train, val = _build_from_base('sthv2.py', root, monkeypatch)
    assert (len(train), len(val)) == (8, 4)
    assert tuple(train[0]['inputs'].shape) == (8, 3, 224, 224)
    assert tuple(val[0]['inputs'].shape) == (8, 3, 224, 224)
    flip = [t for t in train.pipeline.transforms if type(t).__name__ == 'SelectiveFlip'][0]
    # 'Pushing something from left to right' / '... right to left' are classes 0 and 1 here
    assert {0, 1} <= flip.keep_labels and len(flip.keep_labels) == 6
    assert cfg.val_evaluator.metric_options.top_k_accuracy.topk == (1, 5)
    assert not any(t['type'] == 'Flip' for t in cfg.train_pipeline)


def test_sthv1_config_base(tmp_path, monkeypatch):
    root = _write_v1(str(tmp_path), train=['1;Holding something', '2;Holding something'])
    os.rename(osp.join(root, 'something-something-v1-train.csv'),
              osp.join(root, 'something-something-v1-validation.csv'))
    _write_v1(root)
    cfg, train, val = _build_from_base('sthv1.py', root, monkeypatch)
    assert (len(train), len(val)) == (2, 2)
    assert tuple(train[1]['inputs'].shape) == (8, 3, 224, 224)
    assert tuple(val[0]['inputs'].shape) == (8, 3, 224, 224)
    flip = [t for t in cfg.train_pipeline if t['type'] == 'SelectiveFlip']
    assert flip[0]['keep_labels'] == (86, 87, 93, 94, 166, 167)


def test_check_sthv2_shows_the_tree_and_accepts_the_synthetic_set(tmp_path):
    from cvshared.datasets.something import check_sthv2
    from cvshared.datasets.something_synthetic import write_synthetic_sthv2
    with pytest.raises(FileNotFoundError, match=r'(?s)^mypkg: .*something-something-v2-labels'
                       r'\.json is missing.*20bn-something-something-v2/<id>\.webm'):
        check_sthv2(str(tmp_path), 'mypkg')
    root = str(tmp_path / 'ss')
    write_synthetic_sthv2(root, num_classes=2, num_train=1, num_val=1, num_frames=4,
                          size=(16, 16))
    check_sthv2(root)
    import shutil
    shutil.rmtree(osp.join(root, '20bn-something-something-v2'))
    with pytest.raises(FileNotFoundError, match=r'20bn-something-something-v2 is missing'):
        check_sthv2(root)
