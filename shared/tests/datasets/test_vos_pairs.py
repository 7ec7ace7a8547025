"""Frame-pair data of HGPU / HCPN (cvshared.datasets.davis, the official layouts) and the
synthetic generator's frame-pair extras."""
import json
import os
import os.path as osp
import shutil

import cv2
import cvshared  # noqa: F401
import numpy as np
import pytest
import torch
from cvshared.datasets.davis import (
    DAVIS16FramePairDataset,
    LoadFramePair,
    LoadFramePairAnnotations,
    PackFramePairInputs,
    YouTubeVOSFramePairDataset,
    check_davis16_pairs,
)
from cvshared.datasets.davis_synthetic import (
    flow_to_image,
    make_davis_synthetic,
    mask_contour,
    render_sequence,
)
from cvshared.vos.losses import hard_negative_map

SMALL = dict(num_train=2, num_val=1, num_frames=4, size=(32, 40), seed=3)


@pytest.fixture(scope='module')
def pair_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('davis_pairs'))
    make_davis_synthetic(root, frame_pairs=True, **SMALL)
    return root


def _copy(root, tmp_path):
    dst = str(tmp_path / 'copy')
    shutil.copytree(root, dst)
    return dst


def test_official_davis_layout_and_pairing(pair_root):
    for folder in ('JPEGImages/480p', 'Annotations/480p', 'Annotations_ctr/480p', 'davis-flow',
                   'davis-hed', 'ImageSets/2016/train.txt'):
        assert osp.exists(osp.join(pair_root, folder)), folder
    seq = 'synth-train-001'
    assert sorted(os.listdir(osp.join(pair_root, 'davis-flow', seq))) == [
        '00000_00001.png', '00001_00002.png', '00002_00003.png']
    ds = DAVIS16FramePairDataset(data_root=pair_root, split='train', with_contour=True,
                                 pipeline=[])
    assert len(ds) == 2 * 3  # 2 videos x (4 - 1) pairs
    info = ds.get_data_info(4)  # second video, pair 1
    assert info['seq_name'] == seq and info['frame_index'] == 1 and info['num_frames'] == 4
    assert info['img_path'].endswith(f'JPEGImages/480p/{seq}/00001.jpg')
    assert info['img2_path'].endswith(f'JPEGImages/480p/{seq}/00002.jpg')
    assert info['flow_path'].endswith(f'davis-flow/{seq}/00001_00002.png')
    assert info['hed2_path'].endswith(f'davis-hed/{seq}/00002.jpg')
    assert info['contour2_path'].endswith(f'Annotations_ctr/480p/{seq}/00002.png')
    assert info['seg_map_path'].endswith(f'Annotations/480p/{seq}/00001.png')
    assert [ds.get_data_info(i)['is_last_pair'] for i in range(3)] == [False, False, True]
    assert info['single_object'] is True
    val = DAVIS16FramePairDataset(data_root=pair_root, split='val', pipeline=[])
    assert {val.get_data_info(i)['seq_name'] for i in range(len(val))} == {'synth-val-000'}
    assert val.get_data_info(0)['contour_path'] is None  # HGPU: no contours
    check_davis16_pairs(pair_root, 'val', with_contour=True)


def test_synthetic_pair_files_are_the_official_encodings(pair_root):
    rng = np.random.default_rng([3, 0, 1])  # the generator's seed of synth-train-001
    frames, masks, flows = render_sequence(rng, 4, (32, 40))
    seq = 'synth-train-001'
    flow_file = cv2.imread(osp.join(pair_root, 'davis-flow', seq, '00001_00002.png'))
    # cv2.imwrite(RGB wheel) as the official RAFT script: the BGR read gives the RGB wheel back
    np.testing.assert_array_equal(flow_file, flow_to_image(flows[1]))
    ctr = cv2.imread(osp.join(pair_root, 'Annotations_ctr/480p', seq, '00002.png'), 0)
    np.testing.assert_array_equal(ctr, mask_contour(masks[2]))
    assert set(np.unique(ctr)) == {0, 255} and (ctr > 0).sum() < masks[2].sum()
    hed = cv2.imread(osp.join(pair_root, 'davis-hed', seq, '00002.jpg'), 0).astype(float)
    boundary = mask_contour(masks[2]) > 0
    interior = cv2.erode(masks[2].astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    assert hed[boundary].mean() > 200 and hed[interior].mean() < hed[boundary].mean() - 100


def test_pipeline_packs_both_frames_and_official_hard_negatives(pair_root):
    pipeline = [LoadFramePair(), LoadFramePairAnnotations(with_contour=True),
                dict(type='mmseg.Resize', scale=(24, 20), keep_ratio=False),
                dict(type='mmseg.RandomFlip', prob=1.0, direction='horizontal'),
                PackFramePairInputs()]
    ds = DAVIS16FramePairDataset(data_root=pair_root, split='train', with_contour=True,
                                 pipeline=pipeline)
    out = ds[4]
    inputs, sample = out['inputs'], out['data_samples']
    assert inputs.shape == (9, 20, 24) and inputs.dtype == torch.uint8
    info = ds.get_data_info(4)
    # unresized references, read independently; resize nearest + flip like mmseg does
    def prep(a, interp):
        return cv2.resize(a, (24, 20), interpolation=interp)[:, ::-1]
    frame2 = cv2.imread(info['img2_path'])[..., ::-1]
    np.testing.assert_array_equal(inputs[3:6].permute(1, 2, 0).numpy(),
                                  prep(np.ascontiguousarray(frame2), cv2.INTER_LINEAR))
    mask2 = (cv2.imread(info['seg_map2_path'], 0) > 0).astype(np.uint8)
    np.testing.assert_array_equal(sample.gt_sem_seg2.data[0].numpy(),
                                  prep(mask2, cv2.INTER_NEAREST))
    assert sample.gt_sem_seg.data.dtype == torch.int64
    assert not torch.equal(sample.gt_sem_seg.data, sample.gt_sem_seg2.data)  # object moves
    hed2 = cv2.imread(info['hed2_path'], 0).astype(np.float32)
    n2 = hard_negative_map(torch.from_numpy(mask2), torch.from_numpy(hed2), bytescale=True)
    np.testing.assert_array_equal(sample.gt_hard_negative2.data[0].numpy(),
                                  prep(n2.numpy(), cv2.INTER_NEAREST))
    ctr2 = cv2.imread(info['contour2_path'], 0).astype(np.float32) / 255
    np.testing.assert_array_equal(sample.gt_contour2.data[0].numpy(),
                                  prep(ctr2, cv2.INTER_NEAREST))
    assert sample.metainfo['seq_name'] == 'synth-train-001'
    assert sample.metainfo['frame2_name'] == '00002' and sample.metainfo['flip'] is True
    for name in ('gt_hed', 'gt_hed2', 'gt_hard_negative', 'gt_contour'):
        assert name in sample and sample.get(name).data.shape == (1, 20, 24)


def test_hcpn_contour_bug_flag(pair_root):
    ds = DAVIS16FramePairDataset(data_root=pair_root, split='train', with_contour=True,
                                 pipeline=[])
    info = ds.get_data_info(0)
    fixed = LoadFramePairAnnotations(with_hed=False, with_contour=True)(dict(info))
    buggy = LoadFramePairAnnotations(with_hed=False, with_contour=True,
                                     contour2_from_frame1=True)(dict(info))
    assert not np.array_equal(fixed['gt_contour2'], fixed['gt_contour'])
    np.testing.assert_array_equal(buggy['gt_contour2'], fixed['gt_contour'])


def test_youtube_vos_layout(tmp_path):
    root = str(tmp_path / 'ytvos')
    splits = make_davis_synthetic(root, num_train=2, num_frames=3, size=(24, 32), seed=1,
                                  layout='youtube_vos')
    with open(osp.join(root, 'train/meta.json')) as f:
        assert sorted(json.load(f)['videos']) == splits['train']
    assert sorted(os.listdir(osp.join(root, 'train/YouTube-flow', 'synth0001'))) == [
        '00000_00005.png', '00005_00010.png']
    ds = YouTubeVOSFramePairDataset(data_root=root, with_contour=True, pipeline=[
        LoadFramePair(), LoadFramePairAnnotations(with_contour=True), PackFramePairInputs()])
    assert len(ds) == 4 and ds.get_data_info(1)['frame2_name'] == '00010'
    sample = ds[0]['data_samples']
    assert set(np.unique(sample.gt_sem_seg.data.numpy())) == {0, 1}
    # meta.json selects the videos: a folder it does not list is not read
    shutil.copytree(osp.join(root, 'train/JPEGImages/synth0000'),
                    osp.join(root, 'train/JPEGImages/extra'))
    assert len(YouTubeVOSFramePairDataset(data_root=root, pipeline=[])) == 4


# ---------------------------------------------------------------------------- bad input
def test_missing_folder_shows_expected_tree(pair_root, tmp_path):
    root = _copy(pair_root, tmp_path)
    shutil.rmtree(osp.join(root, 'davis-hed'))
    with pytest.raises(FileNotFoundError, match=r"davis-hed.*not found[\s\S]*Expected:[\s\S]*"
                       r"davis-flow/<video>/00000_00001\.png"):
        DAVIS16FramePairDataset(data_root=root, split='train', pipeline=[])
    with pytest.raises(FileNotFoundError, match=r"missing: \['davis-hed'\]"):
        check_davis16_pairs(root, 'train')


def test_missing_hed_or_contour_file_is_named(pair_root, tmp_path):
    root = _copy(pair_root, tmp_path)
    os.remove(osp.join(root, 'davis-hed/synth-train-000/00002.jpg'))
    with pytest.raises(FileNotFoundError, match=r"video 'synth-train-000': frame '00002' has no "
                       r"HED map .*davis-hed/synth-train-000/00002\.jpg"):
        DAVIS16FramePairDataset(data_root=root, split='train', pipeline=[])
    os.remove(osp.join(root, 'Annotations_ctr/480p/synth-val-000/00000.png'))
    with pytest.raises(FileNotFoundError, match=r"no contour map .*synth-val-000/00000\.png"):
        DAVIS16FramePairDataset(data_root=root, split='val', with_contour=True, pipeline=[])


def test_flow_count_and_names_are_checked_per_video(pair_root, tmp_path):
    root = _copy(pair_root, tmp_path)
    flow_dir = osp.join(root, 'davis-flow/synth-train-001')
    os.remove(osp.join(flow_dir, '00002_00003.png'))
    with pytest.raises(ValueError, match=r"video 'synth-train-001': 4 frames but 2 flow images"):
        DAVIS16FramePairDataset(data_root=root, split='train', pipeline=[])
    shutil.copy(osp.join(flow_dir, '00001_00002.png'), osp.join(flow_dir, '00002_00004.png'))
    with pytest.raises(ValueError, match=r'is not the flow of pair 2 \(00002, 00003\)'):
        DAVIS16FramePairDataset(data_root=root, split='train', pipeline=[])
    shutil.rmtree(flow_dir)
    with pytest.raises(FileNotFoundError, match=r"video 'synth-train-001' has no flow folder"):
        DAVIS16FramePairDataset(data_root=root, split='train', pipeline=[])


def test_multi_label_mask_rejected_for_davis16(pair_root, tmp_path):
    root = _copy(pair_root, tmp_path)
    path = osp.join(root, 'Annotations/480p/synth-val-000/00001.png')
    mask = cv2.imread(path, 0)
    mask[:4, :4] = 2  # a second object id
    cv2.imwrite(path, mask)
    ds = DAVIS16FramePairDataset(data_root=root, split='val', pipeline=[
        LoadFramePair(), LoadFramePairAnnotations()])
    with pytest.raises(ValueError, match=r"video 'synth-val-000': mask .*00001\.png has 3 labels"):
        ds[0]
    # YouTube-VOS style (single_object=False): objects merged into the foreground
    merged = DAVIS16FramePairDataset(data_root=root, split='val', single_object=False,
                                     pipeline=[LoadFramePair(), LoadFramePairAnnotations()])[0]
    assert merged['gt_seg_map2'][:4, :4].min() == 1


def test_size_mismatch_names_files(pair_root, tmp_path):
    root = _copy(pair_root, tmp_path)
    path = osp.join(root, 'davis-flow/synth-val-000/00000_00001.png')
    cv2.imwrite(path, np.zeros((16, 16, 3), np.uint8))
    ds = DAVIS16FramePairDataset(data_root=root, split='val', pipeline=[LoadFramePair()])
    with pytest.raises(ValueError, match=r"frame, next frame and flow image differ in size"):
        ds[0]


def _digest(root):
    import hashlib
    h = hashlib.sha256()
    for d, _, fs in sorted(os.walk(root)):
        for f in sorted(fs):
            path = osp.join(d, f)
            h.update(osp.relpath(path, root).encode())
            with open(path, 'rb') as fh:
                h.update(fh.read())
    return h.hexdigest()


def test_default_synthetic_output_is_unchanged_for_hfan(tmp_path):
    """HFAN's synthetic set must stay byte-identical: digest of the default 'davis' output as
    the generator wrote it before the frame-pair extras (commit 048966c; opencv's JPEG/PNG
    encoders of the pinned stack), and frame_pairs=True only adds files."""
    kw = dict(num_train=1, num_val=1, num_frames=3, size=(24, 32), seed=7)
    plain, pairs = str(tmp_path / 'plain'), str(tmp_path / 'pairs')
    make_davis_synthetic(plain, **kw)
    assert _digest(plain) == 'df8b6150d1668bbb7adb593d42449dac00c8e81cbb1855cc50d3aa6fa5cec94c'
    make_davis_synthetic(pairs, frame_pairs=True, **kw)
    for extra in ('davis-flow', 'davis-hed', 'Annotations_ctr'):
        shutil.rmtree(osp.join(pairs, extra))
    assert _digest(pairs) == _digest(plain)
    with pytest.raises(ValueError, match='frame_pairs=True needs layout'):
        make_davis_synthetic(str(tmp_path / 'x'), layout='davis2seg', frame_pairs=True, **kw)
