"""Video-anomaly data sets: I3D feature sets (BN-WVAD / UR-DMU layout) and UMIL's raw-frame
lists: readers, bad input, generators."""
import os
import os.path as osp

import numpy as np
import pytest
from cvshared.datasets.io import imread
from cvshared.datasets.video_anomaly import (
    LoadVideoAnomalyFeatures,
    VideoAnomalyDataError,
    VideoAnomalyI3DFeatureDataset,
    VideoAnomalyRawFrameDataset,
    resample_segments,
)
from cvshared.datasets.video_anomaly_synthetic import (
    write_synthetic_umil_frames,
    write_synthetic_video_anomaly_features,
)
from cvshared.metrics.video_anomaly import frame_auc
from mmengine.registry import DATASETS

D = 32


@pytest.fixture
def xd(tmp_path):
    root = str(tmp_path / 'xd')
    return root, write_synthetic_video_anomaly_features(root, 'xd', feature_dim=D, seed=1)


def _ds(root, split, **kw):
    return VideoAnomalyI3DFeatureDataset(root, benchmark=kw.pop('benchmark', 'xd'), split=split,
                                         feature_dim=kw.pop('feature_dim', D), **kw)


def test_xd_layout_round_trip(xd):
    root, summary = xd
    assert open(osp.join(root, 'list/XD_Train.list')).readline().startswith('train/')
    train = _ds(root, 'train')
    assert len(train) == 16 * 5  # one sample per crop file, as officially
    labels = [train.get_data_info(i)['gt_label'] for i in range(len(train))]
    assert labels == [1] * 40 + [0] * 40  # abnormal files first; normal names have _label_A
    test = DATASETS.build(dict(type='VideoAnomalyI3DFeatureDataset', data_root=root,
                               benchmark='xd', split='test', feature_dim=D))
    assert len(test) == 8
    gt = np.load(summary['gt_file'])
    offset = 0
    for i, (name, label, t) in enumerate(summary['videos']['test']):
        info = test.get_data_info(i)
        assert (info['video_name'], info['gt_label'], info['num_snippets']) == (name, label, t)
        assert len(info['feature_paths']) == 5
        np.testing.assert_array_equal(info['gt_frame_label'], gt[offset:offset + 16 * t])
        assert info['gt_frame_label'].any() == bool(label)
        offset += 16 * t
    assert offset == gt.size


def test_synthetic_outliers_are_where_the_ground_truth_says(xd):
    root, summary = xd
    test = _ds(root, 'test')
    load = LoadVideoAnomalyFeatures()
    gts, scores = [], []
    for i in range(len(test)):
        r = load(dict(test.get_data_info(i)))
        assert r['feat'].shape == (5, r['num_snippets'], D)
        proj = np.repeat(r['feat'].mean(0) @ summary['direction'], 16)
        gts.append(r['gt_frame_label'])
        scores.append(proj)
    assert frame_auc(np.concatenate(gts), np.concatenate(scores)) > 0.97


def test_generator_is_deterministic(tmp_path):
    a = write_synthetic_video_anomaly_features(str(tmp_path / 'a'), feature_dim=8, seed=3)
    write_synthetic_video_anomaly_features(str(tmp_path / 'b'), feature_dim=8, seed=3)
    write_synthetic_video_anomaly_features(str(tmp_path / 'c'), feature_dim=8, seed=4)
    rels = open(a['test_list']).read().split() + ['frame_label/xd_gt.npy']
    for rel in rels:
        assert open(osp.join(tmp_path, 'a', rel), 'rb').read() == \
            open(osp.join(tmp_path, 'b', rel), 'rb').read()
    assert open(osp.join(tmp_path, 'a', rels[-1]), 'rb').read() != \
        open(osp.join(tmp_path, 'c', rels[-1]), 'rb').read()


def test_ucf_ten_crops_without_mask(tmp_path):
    root = str(tmp_path / 'ucf')
    summary = write_synthetic_video_anomaly_features(root, 'ucf', num_train=(2, 2),
                                                     num_test=(2, 1), feature_dim=D)
    assert 'mask_file' not in summary
    train = _ds(root, 'train', benchmark='ucf', group_crops=True)
    assert len(train) == 4 and len(train.get_data_info(0)['feature_paths']) == 10
    assert [train.get_data_info(i)['gt_label'] for i in range(4)] == [1, 1, 0, 0]
    test = _ds(root, 'test', benchmark='ucf')
    assert [test.get_data_info(i)['gt_label'] for i in range(3)] == [1, 1, 0]


def test_resample_segments_hand_cases():
    f = np.arange(8, dtype=np.float32).reshape(4, 2)
    np.testing.assert_array_equal(resample_segments(f, 2), [[1, 2], [5, 6]])
    # T=2 -> 4: idx = uint16(linspace(0, 2, 5)) = [0, 0, 1, 1, 2]: empty ranges take idx[i]
    np.testing.assert_array_equal(resample_segments(f[:2], 4), [[0, 1], [0, 1], [2, 3], [2, 3]])


def test_load_resamples_each_crop(xd):
    root, _ = xd
    info = _ds(root, 'train').get_data_info(0)
    out = LoadVideoAnomalyFeatures(num_segments=200)(dict(info))
    assert out['feat'].shape == (1, 200, D)
    raw = np.load(info['feature_paths'][0])
    np.testing.assert_allclose(out['feat'][0], resample_segments(raw, 200))


def _rewrite_list(root, fn, split='Test'):
    path = osp.join(root, f'list/XD_{split}.list')
    lines = open(path).read().split('\n')[:-1]
    lines = fn(lines)
    open(path, 'w').write('\n'.join(lines) + '\n')
    return path, lines


def test_wrong_feature_dimension_names_file_and_line(xd):
    root, _ = xd
    with pytest.raises(VideoAnomalyDataError,
                       match=r'XD_Train.list:1: feature file .*__0.npy.* shape \(\d+, 32\), '
                             r'expected \(T, 1024\)'):
        _ds(root, 'train', feature_dim=1024)


def test_missing_file_names_file_and_line(xd):
    root, _ = xd
    path, lines = _rewrite_list(root, lambda ls: ls)
    os.remove(osp.join(root, lines[6]))
    with pytest.raises(VideoAnomalyDataError, match=rf'XD_Test.list:7: feature file .*'
                                                    rf'{osp.basename(lines[6])}.* does not exist'):
        _ds(root, 'test')


def test_wrong_crop_count_names_the_video(xd):
    root, _ = xd
    _rewrite_list(root, lambda ls: ls[:4] + ls[5:])  # video 1 loses crop 4
    with pytest.raises(VideoAnomalyDataError, match=r'XD_Test.list:4: video .* has 4 crops, '
                                                    r'expected 5'):
        _ds(root, 'test')


def test_crops_out_of_order(xd):
    root, _ = xd
    _rewrite_list(root, lambda ls: [ls[1], ls[0]] + ls[2:])
    with pytest.raises(VideoAnomalyDataError, match=r'XD_Test.list:1: crop 1 .* follows 0'):
        _ds(root, 'test')


def test_empty_video_and_crop_length_mismatch(xd):
    root, _ = xd
    _, lines = _rewrite_list(root, lambda ls: ls)
    np.save(osp.join(root, lines[5]), np.zeros((0, D), np.float32))
    with pytest.raises(VideoAnomalyDataError, match=r'XD_Test.list:6: .* empty video'):
        _ds(root, 'test')
    np.save(osp.join(root, lines[5]), np.zeros((3, D), np.float32))
    np.save(osp.join(root, lines[6]), np.zeros((4, D), np.float32))
    with pytest.raises(VideoAnomalyDataError, match=r'XD_Test.list:7: .* 4 snippets, crop 0 '
                                                    r'of the video has 3'):
        _ds(root, 'test')


def test_wrong_field_count(xd):
    root, _ = xd
    _rewrite_list(root, lambda ls: ls[:2] + [ls[2] + ' 1'] + ls[3:])
    with pytest.raises(VideoAnomalyDataError, match=r'XD_Test.list:3: expected one feature '
                                                    r'path per line, got 2 fields'):
        _ds(root, 'test')


def test_gt_and_mask_length_and_mask_label(xd):
    root, summary = xd
    gt = np.load(summary['gt_file'])
    np.save(summary['gt_file'], gt[:-16])
    with pytest.raises(VideoAnomalyDataError, match=rf'xd_gt.npy.* has {gt.size - 16} frames '
                                                    rf'but the test list gives {gt.size}'):
        _ds(root, 'test')
    np.save(summary['gt_file'], gt)
    mask = np.load(summary['mask_file'])
    mask[-1] = True  # a frame of a normal video
    np.save(summary['mask_file'], mask)
    with pytest.raises(VideoAnomalyDataError, match=r'anomaly mask .* disagrees with the label'):
        _ds(root, 'test')
    os.remove(summary['mask_file'])
    with pytest.raises(FileNotFoundError, match='anomaly mask file'):
        _ds(root, 'test')
    assert len(_ds(root, 'test', mask_file=None)) == 8


def test_missing_list_explains(tmp_path):
    with pytest.raises(FileNotFoundError, match='copy the official list/ folder'):
        _ds(str(tmp_path), 'train')


# ---------------------------------------------------------------------------- UMIL raw frames
@pytest.fixture(scope='module')
def umil_ucf(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('umil') / 'ucf')
    return root, write_synthetic_umil_frames(root, 'ucf', seed=2)


def _frames(root, rel_list, split, **kw):
    return VideoAnomalyRawFrameDataset(root, ann_file=rel_list, split=split, **kw)


def test_umil_lists_round_trip(umil_ucf):
    root, summary = umil_ucf
    lines = open(summary['test_list']).read().split('\n')[:-1]
    assert {len(ln.split()) for ln in lines} == {7}
    assert lines[-1].split()[2:] == ['0', '-1', '-1', '-1', '-1']
    train = DATASETS.build(dict(type='VideoAnomalyRawFrameDataset', data_root=root,
                                ann_file='labels/UCF_train.txt', split='train'))
    assert [train.get_data_info(i)['gt_label'] for i in range(6)] == [1, 1, 1, 0, 0, 0]
    info = train.get_data_info(0)
    assert info['frame_dir'].endswith('.mp4') and info['start_index'] == 0
    assert len(os.listdir(info['frame_dir'])) == info['total_frames']
    assert imread(osp.join(info['frame_dir'], 'img_00000000.jpg')).shape == (48, 64, 3)
    test = _frames(root, 'labels/UCF_test.txt', 'test')
    for i in range(len(test)):
        info = test.get_data_info(i)
        rel = osp.relpath(info['frame_dir'], root)
        want = np.zeros(info['total_frames'], np.int8)
        for s, e in summary['intervals'][rel]:
            want[s:e] = 1
        np.testing.assert_array_equal(info['gt_frame_label'], want)
        assert bool(want.any()) == bool(info['gt_label'])


def test_umil_synthetic_events_are_where_the_ground_truth_says(umil_ucf):
    root, _ = umil_ucf
    test = _frames(root, 'labels/UCF_test.txt', 'test')
    gts, energy = [], []
    for i in range(len(test)):
        info = test.get_data_info(i)
        frames = np.stack([imread(osp.join(info['frame_dir'], f'img_{t:08d}.jpg'))
                           for t in range(info['total_frames'])]).astype(np.float32)
        diff = np.abs(np.diff(frames, axis=0)).mean((1, 2, 3))
        energy.append(np.concatenate([diff[:1], diff]))
        gts.append(info['gt_frame_label'])
    assert frame_auc(np.concatenate(gts), np.concatenate(energy)) > 0.9


def _write(root, name, text):
    path = osp.join(root, 'labels', name)
    open(path, 'w').write(text)
    return osp.join('labels', name)


def test_umil_tad_zero_start_official_and_kept(tmp_path):
    root = str(tmp_path / 'tad')
    summary = write_synthetic_umil_frames(root, 'tad', num_train=(1, 1), num_test=(1, 1),
                                          seed=3)
    lines = open(summary['test_list']).read().split('\n')[:-1]
    assert {len(ln.split()) for ln in lines} == {5}
    path, n = lines[0].split()[:2]
    normal_path, m = lines[1].split()[:2]
    assert lines[1].split()[2:] == ['0', '0', m]  # TAD writes '0 n' for normal videos
    rel = _write(root, 'zero.txt', f'{path} {n} 1 0 10\n{normal_path} {m} 0 0 {m}\n')
    official = _frames(root, rel, 'test')
    assert not official.get_data_info(0)['gt_frame_label'].any()  # dropped, as officially
    kept = _frames(root, rel, 'test', zero_start='keep')
    np.testing.assert_array_equal(kept.get_data_info(0)['gt_frame_label'][:12],
                                  [1] * 10 + [0] * 2)
    assert not kept.get_data_info(1)['gt_frame_label'].any()  # normal video: never abnormal


def test_umil_bad_lines_name_file_and_line(umil_ucf):
    root, summary = umil_ucf
    train_lines = open(summary['train_list']).read().split('\n')[:-1]
    path, _, n, _ = train_lines[0].split()
    rel = _write(root, 'bad.txt', f'{train_lines[1]}\n{path} 0 {n} 1 7\n')
    with pytest.raises(VideoAnomalyDataError, match=r'bad.txt:2: a train line is .*4 fields\), '
                                                    r'got 5'):
        _frames(root, rel, 'train')
    rel = _write(root, 'bad.txt', f'{path} {n} 1 3\n')
    with pytest.raises(VideoAnomalyDataError, match=r'bad.txt:1: a test line .* got 4'):
        _frames(root, rel, 'test')
    rel = _write(root, 'bad.txt', f'{path} 0 {n} x\n')
    with pytest.raises(VideoAnomalyDataError, match=r'bad.txt:1: non-integer'):
        _frames(root, rel, 'train')
    rel = _write(root, 'bad.txt', f'{train_lines[1]}\nframes/Nowhere/x.mp4 0 5 0\n')
    with pytest.raises(VideoAnomalyDataError, match=r"bad.txt:2: frame folder .*Nowhere/x.mp4' "
                                                    'does not exist'):
        _frames(root, rel, 'train')
    rel = _write(root, 'bad.txt', f'{path} 0 {int(n) + 1} 1\n')
    with pytest.raises(VideoAnomalyDataError, match=rf'bad.txt:1: frame .*img_{int(n):08d}.jpg'
                                                    r"' missing"):
        _frames(root, rel, 'train')
    rel = _write(root, 'bad.txt', f'{path} 0 0 1\n')
    with pytest.raises(VideoAnomalyDataError, match=r'bad.txt:1: .* 0 frames \(an empty video'):
        _frames(root, rel, 'train')


def test_umil_context_bias_scene_types_follow_the_labels_then_reverse(tmp_path):
    kw = dict(num_train=(4, 4), num_test=(2, 2), num_frames=(20, 24), size=(24, 32), seed=4)
    plain = write_synthetic_umil_frames(str(tmp_path / 'plain'), 'ucf', **kw)
    root = str(tmp_path / 'biased')
    summary = write_synthetic_umil_frames(root, 'ucf', context_bias=0.5, **kw)
    assert 'scenes' not in plain
    # only the scenes' colours change: same lists (videos, lengths), same events
    for name in ('train_list', 'test_list'):
        assert open(summary[name]).read() == open(plain[name]).read()
    assert summary['intervals'] == plain['intervals']
    scenes = summary['scenes']
    train = [ln.split() for ln in open(summary['train_list']).read().split('\n')[:-1]]
    test = [ln.split() for ln in open(summary['test_list']).read().split('\n')[:-1]]
    # training: round(4 * (1 + 0.5) / 2) = 3 of the 4 abnormal videos in A, 3 normal in B
    assert sorted(scenes[p] for p, _, _, c in train if c == '1') == ['A', 'A', 'A', 'B']
    assert sorted(scenes[p] for p, _, _, c in train if c == '0') == ['A', 'B', 'B', 'B']
    # test: reversed at full strength
    assert [scenes[ln[0]] for ln in test] == ['B', 'B', 'A', 'A']
    # the type is in the pixels: A is cold (blue > red), B warm, in every video
    for rel, kind in scenes.items():
        img = imread(osp.join(root, rel, 'img_00000000.jpg')).astype(np.float32)
        blue_minus_red = float(img[..., 0].mean() - img[..., 2].mean())   # imread: BGR
        assert (blue_minus_red > 10) == (kind == 'A'), (rel, kind, blue_minus_red)
        assert abs(blue_minus_red) > 10, (rel, blue_minus_red)
    full = write_synthetic_umil_frames(str(tmp_path / 'full'), 'ucf', context_bias=1.0, **kw)
    assert [full['scenes'][p] for p, *_ in train] == ['A'] * 4 + ['B'] * 4
    with pytest.raises(ValueError, match=r'context_bias must be in \[0, 1\]'):
        write_synthetic_umil_frames(str(tmp_path / 'bad'), 'ucf', context_bias=1.5, **kw)
