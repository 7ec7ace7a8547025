"""Diving-48, FineGym, HMDB51, UCF101, Charades and Kinetics-700 in their official layouts
(``cvshared.datasets.action``), Charades mAP against scikit-learn, and
FineGym's mean per-class accuracy through mmaction2's ``AccMetric``."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from cvshared.datasets.action import Diving48Dataset, FineGymDataset, HMDB51Dataset
from cvshared.datasets.something_synthetic import render_motion_clip, write_webms
from mmengine.registry import init_default_scope

PIPELINE = [dict(type='CheckedDecordInit'),
            dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=4, test_mode=True),
            dict(type='DecordDecode'), dict(type='FormatShape', input_format='NCHW'),
            dict(type='PackActionInputs')]


def _videos(paths):
    """Small real video files (mpeg4 in .mp4 / .avi containers), 6 frames of 32 x 32
    (decord fails on 16 x 16 mpeg4): one encode per extension, hard links for the rest."""
    first: dict = {}
    for p in paths:
        os.makedirs(osp.dirname(p), exist_ok=True)
        ext = osp.splitext(p)[1]
        if ext in first:
            os.link(first[ext], p)
        else:
            frames = render_motion_clip(np.random.default_rng(0), (0, 1), 6, (32, 32))
            write_webms([(p, frames)], codec='mpeg4')
            first[ext] = p


# --------------------------------------------------------------------------- Diving-48

def _diving(root, train=None, vocab_len=48, videos=('a_00000', 'b_00001')):
    os.makedirs(root, exist_ok=True)
    _videos([osp.join(root, 'rgb', v + '.mp4') for v in videos])
    vocab = [['Back', '15som', 'NoTwis', 'PIKE']] * vocab_len
    train = train if train is not None else [
        {'vid_name': 'a_00000', 'label': 33, 'start_frame': 0, 'end_frame': 5},
        {'vid_name': 'b_00001', 'label': 0, 'start_frame': 0, 'end_frame': 5}]
    with open(osp.join(root, 'Diving48_vocab.json'), 'w') as f:
        json.dump(vocab, f)
    with open(osp.join(root, 'Diving48_V2_train.json'), 'w') as f:
        json.dump(train, f)
    return root


def test_diving48(tmp_path):
    init_default_scope('mmaction')
    root = _diving(str(tmp_path / 'd'))
    ds = Diving48Dataset(data_root=root, pipeline=PIPELINE)
    assert [ds.get_data_info(i)['label'] for i in range(2)] == [33, 0]
    assert ds.get_data_info(0)['filename'] == osp.join(root, 'rgb', 'a_00000.mp4')
    out = ds[0]
    assert tuple(out['inputs'].shape) == (4, 3, 32, 32) and int(out['data_samples'].gt_label) == 33
    with pytest.raises(FileNotFoundError, match=r'(?s)Diving-48 vocabulary.*rgb/<vid_name>\.mp4'):
        Diving48Dataset(data_root=str(tmp_path / 'nowhere'))
    bad = _diving(str(tmp_path / 'e'), train=[{'vid_name': 'a_00000', 'label': 48}])
    with pytest.raises(ValueError, match=r"train\.json: entry 0 \(a_00000\): label 48 is not a "
                       r'class index of .*vocab\.json \(0\.\.47\)'):
        Diving48Dataset(data_root=bad)
    bad = _diving(str(tmp_path / 'f'), train=[{'vid_name': 'a_00000', 'label': 1}, {'lbl': 1}])
    with pytest.raises(ValueError, match=r'entry 1: expected \{"vid_name", "label"'):
        Diving48Dataset(data_root=bad)
    bad = _diving(str(tmp_path / 'g'), train=[{'vid_name': 'zz', 'label': 1}])
    with pytest.raises(FileNotFoundError, match=r"entry 0: video .*rgb/zz\.mp4' not found"):
        Diving48Dataset(data_root=bad)


# --------------------------------------------------------------------------- FineGym

CLIP = '0LtLS9wROrk_E_002407_002435_A_0003_0005'


def _gym(root, lines, clips=(CLIP,)):
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    _videos([osp.join(root, 'subactions', c + '.mp4') for c in clips])
    with open(osp.join(root, 'annotations', 'gym99_train_element_v1.1.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return root


def test_finegym(tmp_path):
    init_default_scope('mmaction')
    root = _gym(str(tmp_path / 'g'), [f'{CLIP} 28', '', f'{CLIP} 98'])
    ds = FineGymDataset(data_root=root, pipeline=PIPELINE)
    assert [ds.get_data_info(i)['label'] for i in range(len(ds))] == [28, 98]
    assert tuple(ds[1]['inputs'].shape) == (4, 3, 32, 32)
    with pytest.raises(ValueError, match=r'gym99_train_element_v1\.1\.txt:3: label 99 outside '
                       r'the gym99 label map 0\.\.98'):
        FineGymDataset(data_root=_gym(str(tmp_path / 'h'), [f'{CLIP} 1', '', f'{CLIP} 99']))
    assert len(FineGymDataset(data_root=_gym(str(tmp_path / 'i'), [f'{CLIP} 287']),
                              subset='gym288')) == 1
    with pytest.raises(ValueError, match=r"v1\.1\.txt:1: expected \"<clip id> <label>\""):
        FineGymDataset(data_root=_gym(str(tmp_path / 'j'), [f'{CLIP}']))
    with pytest.raises(ValueError, match=r"v1\.1\.txt:1: label 'x' is not an integer"):
        FineGymDataset(data_root=_gym(str(tmp_path / 'k'), [f'{CLIP} x']))
    with pytest.raises(FileNotFoundError, match=r"v1\.1\.txt:1: video .*subactions/nope\.mp4'"):
        FineGymDataset(data_root=_gym(str(tmp_path / 'l'), ['nope 3']))
    with pytest.raises(FileNotFoundError, match=r'(?s)FineGym element list.*subactions/<clip'):
        FineGymDataset(data_root=str(tmp_path / 'nowhere'))


# --------------------------------------------------------------------------- HMDB51

def _hmdb(root, classes=('brush_hair', 'cartwheel', 'wave'), split=1, bad_line=None):
    d = osp.join(root, 'testTrainMulti_7030_splits')
    os.makedirs(d, exist_ok=True)
    paths = []
    for cls in classes:
        lines = [f'{cls}_v1.avi 1 ', f'{cls}_v2.avi 2 ', f'{cls}_v3.avi 0 ']
        if bad_line and cls == classes[-1]:
            lines.append(bad_line)
        with open(osp.join(d, f'{cls}_test_split{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        paths += [osp.join(root, cls, f'{cls}_v{k}.avi') for k in (1, 2)]
    _videos(paths)
    return root


def test_hmdb51(tmp_path):
    init_default_scope('mmaction')
    root = _hmdb(str(tmp_path / 'h'))
    train = HMDB51Dataset(data_root=root, split=1, subset='train', num_classes_expected=3,
                          pipeline=PIPELINE)
    test = HMDB51Dataset(data_root=root, split=1, subset='test', num_classes_expected=3)
    assert [(osp.basename(d['filename']), d['label']) for d in map(train.get_data_info,
                                                                   range(len(train)))] == \
        [('brush_hair_v1.avi', 0), ('cartwheel_v1.avi', 1), ('wave_v1.avi', 2)]
    assert [test.get_data_info(i)['label'] for i in range(len(test))] == [0, 1, 2]
    assert test.get_data_info(2)['filename'] == osp.join(root, 'wave', 'wave_v2.avi')
    assert tuple(train[2]['inputs'].shape) == (4, 3, 32, 32)
    with pytest.raises(ValueError, match=r'found 3 files \*_test_split1\.txt, expected 51'):
        HMDB51Dataset(data_root=root)
    with pytest.raises(ValueError, match=r'found 0 files \*_test_split2\.txt'):
        HMDB51Dataset(data_root=root, split=2, num_classes_expected=3)
    bad = _hmdb(str(tmp_path / 'i'), bad_line='wave_v4.avi 3')
    with pytest.raises(ValueError, match=r'wave_test_split1\.txt:4: expected "<video>\.avi '
                       r'<0\|1\|2>", got \'wave_v4\.avi 3\''):
        HMDB51Dataset(data_root=bad, num_classes_expected=3)
    bad = _hmdb(str(tmp_path / 'j'), bad_line='wave_v9.avi 1')
    with pytest.raises(FileNotFoundError, match=r"wave_test_split1\.txt:4: video .*wave/"
                       r"wave_v9\.avi' not found"):
        HMDB51Dataset(data_root=bad, num_classes_expected=3)
    with pytest.raises(FileNotFoundError, match=r'(?s)HMDB51 split folder.*<class>/<video>\.avi'):
        HMDB51Dataset(data_root=str(tmp_path / 'nowhere'))


def test_undecodable_and_short_videos_name_the_file(tmp_path):
    init_default_scope('mmaction')
    root = _gym(str(tmp_path / 'g'), [f'{CLIP} 1', 'broken 2'])
    with open(osp.join(root, 'subactions', 'broken.mp4'), 'wb') as f:
        f.write(b'\x00\x00\x00\x18ftypmp42 truncated')
    ds = FineGymDataset(data_root=root, pipeline=PIPELINE)
    with pytest.raises(RuntimeError, match=r'broken\.mp4: cannot be decoded by decord'):
        ds[1]
    short = FineGymDataset(data_root=root, pipeline=[dict(type='CheckedDecordInit',
                                                          min_frames=7)])
    with pytest.raises(RuntimeError, match=r'0LtLS9wROrk.*\.mp4: decord reports 6 frames, fewer '
                       'than the 7 the sampler needs'):
        short[0]


# --------------------------------------------------------------------------- metric

def test_acc_metric_mean_class_accuracy_is_balanced_accuracy():
    """FineGym's mean per-class accuracy = mmaction2's AccMetric ``mean_class_accuracy``."""
    import torch
    from mmaction.evaluation import AccMetric
    from mmaction.structures import ActionDataSample
    from sklearn.metrics import balanced_accuracy_score
    rng = np.random.default_rng(0)
    n, k = 300, 7
    # imbalanced labels, so the mean of per-class accuracies differs from the overall top-1
    labels = rng.choice(k, size=n, p=[0.4, 0.2, 0.15, 0.1, 0.08, 0.05, 0.02])
    scores = rng.standard_normal((n, k))
    # the frequent classes are the easy ones
    scores[np.arange(n), labels] += rng.uniform(0, 2.5, n) * (1.5 - labels / k)
    metric = AccMetric(metric_list=('top_k_accuracy', 'mean_class_accuracy'))
    samples = []
    for s, y in zip(scores, labels):
        ds = ActionDataSample().set_gt_label(int(y))
        ds.set_pred_score(torch.tensor(s, dtype=torch.float32))
        samples.append(ds.to_dict())
    metric.process([], samples)
    res = metric.compute_metrics(metric.results)
    pred = scores.argmax(1)
    brute = np.mean([np.mean(pred[labels == c] == c) for c in range(k)])
    assert res['mean1'] == pytest.approx(brute, abs=1e-12)
    assert res['mean1'] == pytest.approx(balanced_accuracy_score(labels, pred), abs=1e-12)
    assert res['top1'] == pytest.approx(np.mean(pred == labels), abs=1e-12)
    # the two metrics differ on this case (measured: top1 0.557, mean1 0.503)
    assert abs(res['mean1'] - res['top1']) > 0.02


# --------------------------------------------------------------------------- config bases

def _build_from_base(name, data_root, monkeypatch):
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


def test_diving48_config_base(tmp_path, monkeypatch):
    root = _diving(str(tmp_path / 'd'))
    os.link(osp.join(root, 'Diving48_V2_train.json'), osp.join(root, 'Diving48_V2_test.json'))
    cfg, train, val = _build_from_base('diving48.py', root, monkeypatch)
    assert (len(train), len(val)) == (2, 2)
    assert tuple(train[0]['inputs'].shape) == tuple(val[0]['inputs'].shape) == (8, 3, 224, 224)
    assert cfg.val_evaluator.metric_list == ('top_k_accuracy',)


def test_gym99_config_base(tmp_path, monkeypatch):
    root = _gym(str(tmp_path / 'g'), [f'{CLIP} 3'])
    os.link(osp.join(root, 'annotations', 'gym99_train_element_v1.1.txt'),
            osp.join(root, 'annotations', 'gym99_val_element.txt'))
    cfg, train, val = _build_from_base('gym99.py', root, monkeypatch)
    assert tuple(train[0]['inputs'].shape) == tuple(val[0]['inputs'].shape) == (8, 3, 224, 224)
    assert cfg.val_evaluator.metric_list == ('top_k_accuracy', 'mean_class_accuracy')


def test_hmdb51_config_base(tmp_path, monkeypatch):
    root = _hmdb(str(tmp_path / 'h'), classes=[f'class{i:02d}' for i in range(51)])
    cfg, train, val = _build_from_base('hmdb51.py', root, monkeypatch)
    assert (len(train), len(val)) == (51, 51)
    assert [val.get_data_info(i)['label'] for i in (0, 50)] == [0, 50]
    assert tuple(train[0]['inputs'].shape) == tuple(val[0]['inputs'].shape) == (8, 3, 224, 224)


# --------------------------------------------------------------------------- Kinetics-400

def test_kinetics_list_layout_and_errors(tmp_path):
    """The Kinetics base's data set reads mmaction2's video list (as VideoDataset does) and names
    the file and line of a bad entry; a missing list shows the tree."""
    from cvshared.datasets.action import KineticsVideoDataset, check_kinetics
    root = tmp_path / 'k400'
    _videos([str(root / 'videos_train' / 'abseiling' / 'a.mp4'),
             str(root / 'videos_train' / 'zumba' / 'b.mp4')])
    lst = root / 'kinetics400_train_list_videos.txt'
    lst.write_text('abseiling/a.mp4 0\nzumba/b.mp4 399\n')
    init_default_scope('mmaction')
    ds = KineticsVideoDataset(ann_file=str(lst), data_prefix=dict(video=str(root / 'videos_train')),
                              pipeline=PIPELINE)
    assert [ds.get_data_info(i)['label'] for i in range(2)] == [0, 399]
    assert tuple(ds[1]['inputs'].shape) == (4, 3, 32, 32)
    with pytest.raises(FileNotFoundError, match='kinetics400_val_list_videos.txt') as err:
        check_kinetics(str(root))   # the val list is absent
    assert 'videos_val/<class>/<video>.mp4' in str(err.value)
    lst.write_text('abseiling/a.mp4 0\nzumba/b.mp4\n')
    with pytest.raises(ValueError, match=r'kinetics400_train_list_videos.txt:2: expected'):
        KineticsVideoDataset(ann_file=str(lst), pipeline=[],
                             data_prefix=dict(video=str(root / 'videos_train')))
    lst.write_text('abseiling/a.mp4 0\nzumba/c.mp4 399\n')
    with pytest.raises(FileNotFoundError, match=r':2 names zumba/c.mp4'):
        KineticsVideoDataset(ann_file=str(lst), pipeline=[],
                             data_prefix=dict(video=str(root / 'videos_train')))


# --------------------------------------------------------------------------- UCF101

def _ucf(root, train_lines=None, test_lines=None, classes=('ApplyEyeMakeup', 'HandstandPushups',
                                                             'YoYo')):
    d = osp.join(root, 'ucfTrainTestlist')
    os.makedirs(d, exist_ok=True)
    with open(osp.join(d, 'classInd.txt'), 'w', newline='') as f:   # the release: CRLF
        f.write(''.join(f'{i} {c}\r\n' for i, c in enumerate(classes, 1)))
    if train_lines is None:
        train_lines = ['ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1',
                       'HandstandPushups/v_HandStandPushups_g08_c01.avi 2',
                       'YoYo/v_YoYo_g08_c01.avi 3']
    if test_lines is None:
        test_lines = ['YoYo/v_YoYo_g01_c01.avi',
                      'HandstandPushups/v_HandStandPushups_g01_c01.avi']
    for name, lines in (('trainlist01.txt', train_lines), ('testlist01.txt', test_lines)):
        with open(osp.join(d, name), 'w', newline='') as f:
            f.write(''.join(line + '\r\n' for line in lines))
    _videos([osp.join(root, 'UCF-101', line.split()[0]) for line in train_lines + test_lines
             if not line.split()[0].endswith('missing.avi')])
    return root


def test_ucf101(tmp_path):
    from cvshared.datasets.action import UCF101Dataset
    init_default_scope('mmaction')
    root = _ucf(str(tmp_path / 'u'))
    train = UCF101Dataset(data_root=root, split=1, subset='train', num_classes_expected=3,
                          pipeline=PIPELINE)
    test = UCF101Dataset(data_root=root, split=1, subset='test', num_classes_expected=3)
    assert [train.get_data_info(i)['label'] for i in range(3)] == [0, 1, 2]
    assert [test.get_data_info(i)['label'] for i in range(2)] == [2, 1]   # from the folder
    assert test.get_data_info(1)['filename'] == osp.join(
        root, 'UCF-101', 'HandstandPushups', 'v_HandStandPushups_g01_c01.avi')
    assert tuple(train[1]['inputs'].shape) == (4, 3, 32, 32)
    with pytest.raises(ValueError, match=r'classInd\.txt: 3 classes, expected 101'):
        UCF101Dataset(data_root=root)
    with pytest.raises(FileNotFoundError, match=r'(?s)UCF101 train list .*trainlist02\.txt.*'
                       r'UCF-101/<class>/<video>\.avi'):
        UCF101Dataset(data_root=root, split=2, num_classes_expected=3)
    bad = _ucf(str(tmp_path / 'v'), train_lines=['YoYo/v_YoYo_g08_c01.avi 1'])
    with pytest.raises(ValueError, match=r"trainlist01\.txt:1: label 1 is ApplyEyeMakeup, but "
                       r"the video is in folder 'YoYo' \(class 3\)"):
        UCF101Dataset(data_root=bad, num_classes_expected=3)
    bad = _ucf(str(tmp_path / 'w'), test_lines=['Juggling/v_Juggling_g01_c01.avi'])
    with pytest.raises(ValueError, match=r"testlist01\.txt:1: class folder 'Juggling' is not in"):
        UCF101Dataset(data_root=bad, subset='test', num_classes_expected=3)
    bad = _ucf(str(tmp_path / 'x'), test_lines=['YoYo/v_YoYo_missing.avi'])
    with pytest.raises(FileNotFoundError, match=r"testlist01\.txt:1: video .*v_YoYo_missing"):
        UCF101Dataset(data_root=bad, subset='test', num_classes_expected=3)


def test_ucf101_config_base(tmp_path, monkeypatch):
    classes = [f'Class{i:03d}' for i in range(101)]
    root = _ucf(str(tmp_path / 'u'), classes=classes,
                train_lines=['Class000/v_Class000_g08_c01.avi 1',
                             'Class100/v_Class100_g08_c01.avi 101'],
                test_lines=['Class050/v_Class050_g01_c01.avi'])
    cfg, train, val = _build_from_base('ucf101.py', root, monkeypatch)
    assert [train.get_data_info(i)['label'] for i in range(2)] == [0, 100]
    assert val.get_data_info(0)['label'] == 50
    assert tuple(train[0]['inputs'].shape) == tuple(val[0]['inputs'].shape) == (8, 3, 224, 224)


# --------------------------------------------------------------------------- Charades

CHARADES_HEADER = ('id,subject,scene,quality,relevance,verified,script,objects,descriptions,'
                   'actions,length')


def _charades(root, rows, num_classes=4, split='train'):
    os.makedirs(root, exist_ok=True)
    with open(osp.join(root, 'Charades_v1_classes.txt'), 'w') as f:
        f.write(''.join(f'c{i:03d} Action number {i}\n' for i in range(num_classes)))
    with open(osp.join(root, f'Charades_v1_{split}.csv'), 'w') as f:
        f.write(CHARADES_HEADER + '\n')
        for vid, actions in rows:   # quoted fields with commas, as in the release
            f.write(f'{vid},HR43,Kitchen,6,7,Yes,"A person cooks, then eats.",food;dish,'
                    f'"They cook, they eat.",{actions},30.5\n')
    _videos([osp.join(root, 'Charades_v1_480', f'{vid}.mp4') for vid, _ in rows
             if vid != 'MISSNG'])
    return root


def test_charades_multilabel_and_errors(tmp_path):
    from cvshared.datasets.action import CharadesDataset
    init_default_scope('mmaction')
    root = _charades(str(tmp_path / 'c'), [('46GP8', 'c002 0.00 12.10;c000 5.3 9.9;c002 20 25'),
                                           ('N11GT', 'c003 1.0 2.0'), ('0IH69', '')])
    ds = CharadesDataset(data_root=root, num_classes=4, pipeline=PIPELINE)
    assert [ds.get_data_info(i)['label'].tolist() for i in range(3)] == [
        [1, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert ds.num_empty == 1
    assert ds.get_data_info(0)['filename'] == osp.join(root, 'Charades_v1_480', '46GP8.mp4')
    assert tuple(ds[0]['inputs'].shape) == (4, 3, 32, 32)
    assert len(CharadesDataset(data_root=root, num_classes=4, skip_empty=True)) == 2
    with pytest.raises(ValueError, match=r"Charades_v1_train\.csv:3 \(N11GT\): unknown class "
                       r"'c003' \(not in .*c000\.\.c002\)"):
        CharadesDataset(data_root=_charades(str(tmp_path / 'd'), [
            ('46GP8', 'c002 0.00 12.10'), ('N11GT', 'c003 1.0 2.0')], num_classes=3),
            num_classes=3)
    with pytest.raises(ValueError, match=r"\(46GP8\): action 'c002 0.00' is not"):
        CharadesDataset(data_root=_charades(str(tmp_path / 'e'), [('46GP8', 'c002 0.00')]),
                        num_classes=4)
    with pytest.raises(ValueError, match=r'4 classes, but num_classes = 157'):
        CharadesDataset(data_root=root)
    with pytest.raises(FileNotFoundError, match=r"csv:2: video .*MISSNG\.mp4' not found"):
        CharadesDataset(data_root=_charades(str(tmp_path / 'f'), [('MISSNG', 'c000 0 1')]),
                        num_classes=4)
    with pytest.raises(FileNotFoundError, match=r'(?s)Charades annotation csv.*Charades_v1_480/'):
        CharadesDataset(data_root=root, ann_file='Charades_v1_test.csv', num_classes=4)


def test_charades_config_base_map_is_sklearn_map(tmp_path, monkeypatch):
    """The base's evaluator on many-hot labels: mmaction2's mAP equals scikit-learn's mean of
    per-class average precision (the classes with a positive)."""
    from mmaction.registry import METRICS
    from mmaction.structures import ActionDataSample
    from sklearn.metrics import average_precision_score
    rows = [(f'V{i:04d}', ';'.join(f'c{c:03d} 0 1' for c in range(140) if (i * 7 + c) % 5 == 0))
            for i in range(6)]
    root = _charades(str(tmp_path / 'c'), rows, num_classes=157, split='train')
    os.link(osp.join(root, 'Charades_v1_train.csv'), osp.join(root, 'Charades_v1_test.csv'))
    cfg, train, val = _build_from_base_with_pipeline('charades.py', root, monkeypatch)
    assert (len(train), len(val)) == (6, 6)
    labels = np.stack([val.get_data_info(i)['label'].numpy() for i in range(6)])
    assert labels.sum() == sum(len(r[1].split(';')) for r in rows)
    metric = METRICS.build(cfg.val_evaluator)
    scores = np.random.default_rng(0).random((6, 157)).astype(np.float32)
    import torch
    samples = []
    for i in range(6):
        s = ActionDataSample().set_gt_label(torch.from_numpy(labels[i]))
        s.set_pred_score(torch.from_numpy(scores[i]))
        samples.append(s.to_dict())
    metric.process(None, samples)
    got = metric.compute_metrics(metric.results)['mean_average_precision']
    keep = labels.sum(0) > 0
    want = average_precision_score(labels[:, keep], scores[:, keep], average='macro')
    assert abs(got - want) < 1e-6 and keep.sum() < 157


def _build_from_base_with_pipeline(name, data_root, monkeypatch):
    from mmengine.config import Config
    monkeypatch.setenv('DATA_ROOT', data_root)
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', '_base_',
                                   'datasets', name))
    for dl in (cfg.train_dataloader, cfg.val_dataloader):
        dl.dataset.pipeline = PIPELINE
    from mmengine.utils import import_modules_from_strings
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope('mmaction')
    from mmaction.registry import DATASETS
    return cfg, DATASETS.build(cfg.train_dataloader.dataset), \
        DATASETS.build(cfg.val_dataloader.dataset)


# --------------------------------------------------------------------------- Kinetics-700

def test_kinetics700_base_and_check(tmp_path, monkeypatch):
    from cvshared.datasets.action import check_kinetics700
    root = tmp_path / 'k700'
    _videos([str(root / 'videos_train' / 'abseiling' / 'a.mp4'),
             str(root / 'videos_val' / 'zumba' / 'b.mp4')])
    with pytest.raises(FileNotFoundError, match=r'(?s)kinetics700_train_list_videos\.txt.*'
                       r'├── kinetics700_val_list_videos\.txt'):
        check_kinetics700(str(root))
    (root / 'kinetics700_train_list_videos.txt').write_text('abseiling/a.mp4 0\n')
    (root / 'kinetics700_val_list_videos.txt').write_text('zumba/b.mp4 699\n')
    check_kinetics700(str(root))
    cfg, train, val = _build_from_base_with_pipeline('kinetics700.py', str(root), monkeypatch)
    assert train.get_data_info(0)['filename'] == str(root / 'videos_train' / 'abseiling' / 'a.mp4')
    assert val.get_data_info(0)['label'] == 699
    assert cfg.test_dataloader.dataset.ann_file == cfg.val_dataloader.dataset.ann_file
