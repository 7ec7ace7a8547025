"""Data: the weak / strong views (torchvision ops, seeded), the clip sampling of the training
set's scoring pass, the dataset read through the config pipeline, bad input messages."""
import random

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope


def _imgs(n=10, h=40, w=60):
    rng = np.random.default_rng(0)
    return [(rng.random((h, w, 3)) * 255).astype(np.uint8) for _ in range(n)]


def _views(strong=True, seed=0):
    from umil.datasets import UMILWeakStrongViews
    random.seed(seed), np.random.seed(seed), torch.manual_seed(seed)
    t = UMILWeakStrongViews(size=32, clip_len=5, strong=strong)
    return t.transform(dict(imgs=_imgs(), img_shape=(40, 60), modality='RGB'))['views']


def test_strong_view_differs_and_is_reproducible():
    v = _views()
    assert v.shape == (2, 2, 5, 3, 32, 32) and v.dtype == torch.uint8
    weak_only = _views(strong=False)
    assert torch.equal(weak_only[0], v[0]) and torch.equal(weak_only[1], weak_only[0])
    assert (v[0].float() - v[1].float()).abs().mean() > 5     # the strong view is changed
    assert torch.equal(_views(seed=0), v)                     # same seed, same view
    assert not torch.equal(_views(seed=1)[1], v[1])
    # the weak view is the centre crop of the resized frames
    assert torch.equal(v[0, 0, 0], torch.from_numpy(_imgs()[0][4:36, 14:46]).permute(2, 0, 1))


def test_segment_clips_follow_the_official_segments():
    from umil.datasets import UMILSegmentClips
    r = UMILSegmentClips(clip_len=5, frame_interval=6, seg_len=30).transform(
        dict(total_frames=95))
    assert r['num_snippets'] == 4
    inds = r['frame_inds'].reshape(4, 5)
    assert (inds[:3] == np.arange(3)[:, None] * 30 + np.arange(2, 30, 6)).all()
    assert (inds[3] >= 90).all() and (inds[3] < 95).all()


def test_config_pipelines_read_the_synthetic_set(tmp_path, monkeypatch):
    from umil.datasets import make_synthetic
    from umil.registry import DATASETS
    make_synthetic(str(tmp_path), num_train=(1, 1), num_test=(1, 1), num_frames=(40, 50))
    monkeypatch.setenv('DATA_ROOT', str(tmp_path))
    cfg = Config.fromfile('configs/umil/umil_standin_6e_synthetic.py')
    with DefaultScope.overwrite_default_scope('mmaction'):
        train = DATASETS.build(cfg.train_dataloader.dataset)
        test = DATASETS.build(cfg.test_dataloader.dataset)
        score = DATASETS.build(cfg.train_cfg.score_dataloader.dataset)
    item = train[0]
    assert item['inputs'].shape == (2, 8, 5, 3, 32, 32)
    assert item['data_samples'].frame_inds.shape == (40,)
    t = test[0]
    assert t['inputs'].shape == (8, 5, 3, 32, 32)
    assert t['data_samples'].gt_frame_label.shape == (t['data_samples'].total_frames,)
    s = score[1]
    assert s['inputs'].shape[0] == s['data_samples'].num_snippets
    assert s['data_samples'].sample_idx == 1


def test_bad_frame_lists_name_the_file_and_line(tmp_path):
    from cvshared.datasets.video_anomaly import VideoAnomalyDataError
    from umil.registry import DATASETS
    (tmp_path / 'labels').mkdir()
    cases = {'frames/a.mp4 0 10': 'train line is "path 0 n_frames class" (4 fields), got 3',
             'frames/missing.mp4 0 10 1': 'does not exist',
             'frames/a.mp4 0 0 1': 'an empty video'}
    for line, message in cases.items():
        path = tmp_path / 'labels' / 'UCF_train.txt'
        path.write_text('\n' + line + '\n')
        with DefaultScope.overwrite_default_scope('mmaction'), \
                pytest.raises(VideoAnomalyDataError) as err:
            DATASETS.build(dict(type='VideoAnomalyRawFrameDataset', data_root=str(tmp_path),
                                ann_file=str(path), split='train'))
        assert f'{path}:2' in str(err.value) and message in str(err.value), str(err.value)


def test_draw_sample_shades_the_ground_truth_and_follows_the_scores():
    from umil.hooks import draw_sample
    gt = np.zeros(64, np.int8)
    gt[32:48] = 1
    low, high = np.full(8, 0.1), np.full(8, 0.9)
    plain, shaded = draw_sample(low, 64), draw_sample(low, 64, gt)
    assert plain.shape == shaded.shape and plain.dtype == np.uint8
    assert (plain != shaded).any()                              # the interval is shaded
    assert (draw_sample(high, 64) != plain).any()               # the curve moves with the score


def test_inferencer_input_errors_name_the_folder(tmp_path):
    from umil.infer import UmilInferencer
    with pytest.raises(FileNotFoundError, match='not a folder of frames'):
        UmilInferencer.input_to_data(None, tmp_path / 'nope')
    (tmp_path / 'v').mkdir()
    (tmp_path / 'v' / 'frame1.jpg').write_bytes(b'')
    with pytest.raises(FileNotFoundError, match='img_00000000.jpg'):
        UmilInferencer.input_to_data(None, tmp_path / 'v')
    for i in range(3):
        (tmp_path / 'v' / f'img_{i:08d}.jpg').write_bytes(b'')
    info = UmilInferencer.input_to_data(None, tmp_path / 'v')
    assert info['total_frames'] == 3 and info['video_name'] == 'v'
