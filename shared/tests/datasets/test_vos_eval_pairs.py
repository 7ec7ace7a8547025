"""Frame-pair evaluation benchmarks of HGPU / HCPN (cvshared.datasets.davis): YouTube-Objects,
Long-Videos, FBMS, DAVIS-17 unsupervised, on tiny hand-written trees."""
import os
import os.path as osp

import cv2
import cvshared  # noqa: F401
import numpy as np
import pytest
import torch
from cvshared.datasets.davis import (
    DAVIS17UnsupervisedFramePairDataset,
    FBMSFramePairDataset,
    LoadEvalFrameMask,
    LoadFramePair,
    LongVideosFramePairDataset,
    PackFramePairInputs,
    YouTubeObjectsFramePairDataset,
)
from cvshared.metrics.davis import DAVISJFMetric
from PIL import Image

H, W = 8, 10


def _frame(seq_id, t):
    """A distinct constant-colour frame per (video, frame), exact through JPEG within 3."""
    return np.full((H, W, 3), (10 + 40 * t, 20 + 30 * seq_id, 200 - 40 * t), np.uint8)


def _mask(t):
    m = np.zeros((H, W), np.uint8)
    m[1:5, t:t + 4] = 255  # moves one pixel per frame
    return m


def _video(root, seq, seq_id, n, annotated, img='JPEGImages', ann='Annotations',
           flow='flow', palette=False):
    stems = [f'{t:05d}' for t in range(n)]
    for d in (img, ann, flow):
        os.makedirs(osp.join(root, d, seq), exist_ok=True)
    for t, s in enumerate(stems):
        cv2.imwrite(osp.join(root, img, seq, s + '.jpg'), _frame(seq_id, t))
        if t in annotated:
            path = osp.join(root, ann, seq, s + '.png')
            if palette:  # two objects, ids 1 and 2, as a DAVIS-17 palette PNG
                ids = (_mask(t) > 0).astype(np.uint8)
                ids[6:, :3] = 2
                im = Image.fromarray(ids, mode='P')
                im.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0] + [0] * 759)
                im.save(path)
            else:
                cv2.imwrite(path, _mask(t))
    for k in range(n - 1):  # flow image k: a colour per pair
        cv2.imwrite(osp.join(root, flow, seq, f'{stems[k]}_{stems[k + 1]}.png'),
                    np.full((H, W, 3), 60 * k, np.uint8))
    return stems


@pytest.fixture()
def yto(tmp_path):
    root = str(tmp_path / 'yto')
    _video(root, 'car/0001', 0, 4, annotated={0, 3})  # the last frame is annotated
    _video(root, 'dog/0002', 1, 3, annotated={1})
    return root


def test_youtube_objects_samples_are_the_annotated_frames_with_the_official_pairs(yto):
    ds = YouTubeObjectsFramePairDataset(data_root=yto, pipeline=[])
    rows = [(d['seq_name'], d['frame_index'], d['pair_index'], d['frame_name'],
             d['frame2_name'], d['eval_frame_name']) for d in map(ds.get_data_info, range(len(ds)))]
    # frame t < n - 1: first mask of pair t; frame n - 1: second mask of pair n - 2
    assert rows == [('car/0001', 0, 0, '00000', '00001', '00000'),
                    ('car/0001', 3, 1, '00002', '00003', '00003'),
                    ('dog/0002', 1, 0, '00001', '00002', '00001')]
    last = ds.get_data_info(1)
    assert last['flow_path'].endswith('flow/car/0001/00002_00003.png')
    assert last['seg_map_path'].endswith('Annotations/car/0001/00003.png')
    assert last['annotated'] is True and last['num_frames'] == 4
    assert len(YouTubeObjectsFramePairDataset(data_root=yto, categories=['dog'],
                                              pipeline=[])) == 1
    full = YouTubeObjectsFramePairDataset(data_root=yto, annotated_only=False, pipeline=[])
    infos = [full.get_data_info(i) for i in range(len(full))]
    assert len(infos) == 4 + 3  # every frame is predicted
    assert [d['frame_index'] for d in infos[:4]] == [0, 1, 2, 3]
    assert [d['pair_index'] for d in infos[:4]] == [0, 0, 0, 1]
    assert [d['annotated'] for d in infos] == [True, False, False, True, False, True, False]
    assert [d['seg_map_path'] is None for d in infos] == [not d['annotated'] for d in infos]


def test_pipeline_and_metric_score_only_the_annotated_frames(yto):
    pipeline = [LoadFramePair(), dict(type='mmseg.Resize', scale=(20, 16), keep_ratio=False),
                LoadEvalFrameMask(), PackFramePairInputs()]
    full = YouTubeObjectsFramePairDataset(data_root=yto, annotated_only=False, pipeline=pipeline)
    out = [full[i] for i in range(len(full))]
    for o in out:
        s = o['data_samples']
        assert ('gt_sem_seg' in s) == s.metainfo['annotated']
        assert 'gt_sem_seg2' not in s and o['inputs'].shape == (9, 16, 20)
    last = out[3]  # car frame 3: frames 2 and 3 in, ground truth = frame 3 at its own size
    np.testing.assert_array_equal(last['data_samples'].gt_sem_seg.data[0].numpy(),
                                  (_mask(3) > 0).astype(np.int64))
    frame3 = last['inputs'][3:6].permute(1, 2, 0).numpy().astype(int)
    assert np.abs(frame3 - _frame(0, 3)[0, 0, ::-1]).max() <= 3  # RGB of frame 3 (JPEG)
    assert last['data_samples'].metainfo['pair_index'] == 1
    assert last['data_samples'].metainfo['frame_index'] == 3

    # the annotated-only set feeds DAVISJFMetric unchanged: 3 scored frames, perfect J / F
    ds = YouTubeObjectsFramePairDataset(data_root=yto, pipeline=pipeline)
    metric = DAVISJFMetric(ignore_first_last=False, group_depth=1)
    for i in range(len(ds)):
        s = ds[i]['data_samples'].to_dict()
        s['pred_sem_seg'] = dict(data=s['gt_sem_seg']['data'])
        metric.process(None, [s])
    assert [(r[0], r[1]) for r in metric.results] == [('car/0001', 0), ('car/0001', 3),
                                                       ('dog/0002', 1)]
    res = metric.compute_metrics(metric.results)
    assert res['J-Mean'] == 1.0 and res['F-Mean'] == 1.0
    # one wrong frame (empty prediction) out of car's two: car J = 0.5, dog 1 -> 0.75
    metric.results = [(seq, t, 0.0 if (seq, t) == ('car/0001', 3) else j, f)
                      for seq, t, j, f in metric.results]
    assert metric.compute_metrics(metric.results)['J-Mean'] == 0.75


def test_clear_errors(yto, tmp_path):
    os.remove(osp.join(yto, 'flow/car/0001/00001_00002.png'))
    with pytest.raises(FileNotFoundError, match=r'flow/car/0001/00001_00002\.png') as err:
        YouTubeObjectsFramePairDataset(data_root=yto, pipeline=[])
    assert '<category>/<video>/<frame k>_<frame k+1>.png' in str(err.value)  # expected tree
    empty = str(tmp_path / 'empty')
    os.makedirs(empty)
    with pytest.raises(FileNotFoundError, match='JPEGImages') as err:
        LongVideosFramePairDataset(data_root=empty, pipeline=[])
    assert 'flow/<video>/00000_00001.png' in str(err.value)
    bad = str(tmp_path / 'bad')
    _video(bad, 'chair/0001', 0, 2, annotated={0})
    with pytest.raises(KeyError, match="unknown YouTube-Objects categor.*'chair'"):
        YouTubeObjectsFramePairDataset(data_root=bad, pipeline=[])
    flat = str(tmp_path / 'flat')
    _video(flat, 'car', 0, 2, annotated={0})
    with pytest.raises(FileNotFoundError, match='<category>/<video>'):
        YouTubeObjectsFramePairDataset(data_root=flat, pipeline=[])
    orphan = str(tmp_path / 'orphan')
    _video(orphan, 'cars1', 0, 3, annotated={0})
    cv2.imwrite(osp.join(orphan, 'Annotations/cars1/00007.png'), _mask(0))
    with pytest.raises(ValueError, match=r'masks without a frame.*00007\.png'):
        FBMSFramePairDataset(data_root=orphan, pipeline=[])
    one = str(tmp_path / 'one')
    _video(one, 'rat', 0, 1, annotated={0})
    with pytest.raises(ValueError, match='at least 2'):
        LongVideosFramePairDataset(data_root=one, pipeline=[])
    unannotated = LoadEvalFrameMask(skip_unannotated=False)
    with pytest.raises(ValueError, match='has no mask'):
        unannotated.transform(dict(img_path='x.jpg', seg_map_path=None))


def test_long_videos_and_fbms_read_the_per_video_layout(tmp_path):
    root = str(tmp_path / 'lv')
    _video(root, 'blueboy', 0, 5, annotated={0, 2, 4})
    _video(root, 'rat', 1, 3, annotated={2})
    ds = LongVideosFramePairDataset(data_root=root, sequences=['rat'], pipeline=[])
    assert [(d['seq_name'], d['frame_index'], d['pair_index'])
            for d in map(ds.get_data_info, range(len(ds)))] == [('rat', 2, 1)]
    fbms = FBMSFramePairDataset(data_root=root, pipeline=[])
    assert [d['frame_index'] for d in map(fbms.get_data_info, range(len(fbms)))] == [0, 2, 4, 2]


def test_davis17_unsupervised_dense_instances(tmp_path):
    root = str(tmp_path / 'davis')
    kw = dict(img='JPEGImages/480p', ann='Annotations_unsupervised/480p', flow='davis-flow',
              palette=True)
    _video(root, 'bike-packing', 0, 3, annotated={0, 1, 2}, **kw)
    _video(root, 'dogs-jump', 1, 3, annotated={0, 2}, **kw)  # one mask short
    os.makedirs(osp.join(root, 'ImageSets/2017'))
    with open(osp.join(root, 'ImageSets/2017/val.txt'), 'w') as f:
        f.write('bike-packing\n')
    ds = DAVIS17UnsupervisedFramePairDataset(data_root=root, pipeline=[
        LoadFramePair(), LoadEvalFrameMask(binary=False), PackFramePairInputs()])
    assert len(ds) == 3
    gt = ds[2]['data_samples'].gt_sem_seg.data[0].numpy()
    expected = (_mask(2) > 0).astype(np.int64)
    expected[6:, :3] = 2
    np.testing.assert_array_equal(gt, expected)  # palette indices, not colours
    binary = LoadEvalFrameMask()(LoadFramePair()(dict(ds.get_data_info(2))))
    np.testing.assert_array_equal(binary['gt_seg_map'], (expected > 0).astype(np.uint8))
    # where one object is expected (DAVIS-16), the same two-object mask is an error
    one_object = dict(ds.get_data_info(2), single_object=True)
    with pytest.raises(ValueError, match=r"video 'bike-packing'.*3 labels"):
        LoadEvalFrameMask()(LoadFramePair()(one_object))
    with open(osp.join(root, 'ImageSets/2017/val.txt'), 'a') as f:
        f.write('dogs-jump\n')
    with pytest.raises(FileNotFoundError, match=r'dense.*dogs-jump/00001\.png'):
        DAVIS17UnsupervisedFramePairDataset(data_root=root, pipeline=[])
    assert torch.is_tensor(ds[0]['inputs'])


def test_davis16_val_through_the_eval_class_gives_every_frame(tmp_path):
    """DAVIS-16 val in the official HGPU / HCPN layout read one sample per frame (n per video,
    the last from pair n - 2), so that ignore_first_last drops frames 0 and n - 1."""
    from cvshared.datasets.davis import VOSFramePairEvalDataset
    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    root = str(tmp_path)
    make_davis_synthetic(root, frame_pairs=True, num_train=1, num_val=1, num_frames=4,
                         size=(16, 20), seed=3)
    ds = VOSFramePairEvalDataset(
        data_root=root, ann_file='ImageSets/2016/val.txt', dense=True,
        data_prefix=dict(img_path='JPEGImages/480p', seg_map_path='Annotations/480p',
                         flow_path='davis-flow'))
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [(d['frame_index'], d['pair_index']) for d in infos] == [(0, 0), (1, 0), (2, 0),
                                                                     (3, 1)]
    assert infos[3]['flow_path'].endswith('davis-flow/synth-val-000/00002_00003.png')
    assert infos[3]['seg_map_path'].endswith('Annotations/480p/synth-val-000/00003.png')
