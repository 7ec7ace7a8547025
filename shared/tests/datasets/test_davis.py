"""VOS frame + flow data sets (real layouts) and the synthetic generator."""
import os
import os.path as osp

import cvshared  # noqa: F401
import numpy as np
import pytest
from cvshared.datasets.davis import (
    DAVIS2SEGFrameFlowDataset,
    DAVIS2016FrameFlowDataset,
    LoadBinaryMask,
    LoadFrameAndFlow,
    LongVideosFrameFlowDataset,
    YouTubeObjectsFrameFlowDataset,
    _read_split,
    check_davis2016,
)
from cvshared.datasets.davis_synthetic import (
    flow_to_image,
    make_colorwheel,
    make_davis_synthetic,
    render_sequence,
)
from cvshared.datasets.io import CorruptImageError

SMALL = dict(num_train=2, num_val=2, num_frames=4, size=(32, 40), seed=3)


@pytest.fixture(scope='module')
def davis_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('davis'))
    make_davis_synthetic(root, **SMALL)
    return root


def _davis(root, split='val', **kw):
    return DAVIS2016FrameFlowDataset(data_root=root, ann_file=f'ImageSets/2016/{split}.txt',
                                     pipeline=[], **kw)


def test_davis_layout_and_samples(davis_root):
    ds = _davis(davis_root)
    assert len(ds) == 2 * 4
    info = ds.get_data_info(5)
    assert info['seq_name'] == 'synth-val-001' and info['frame_index'] == 1
    assert info['img_path'].endswith('JPEGImages/480p/synth-val-001/00001.jpg')
    assert info['flow_path'].endswith('FlowImages/480p/synth-val-001/00001.jpg')
    assert info['seg_map_path'].endswith('Annotations/480p/synth-val-001/00001.png')
    res = LoadBinaryMask()(LoadFrameAndFlow()(dict(info)))
    assert res['img'].shape == (32, 40, 6) and res['img'].dtype == np.uint8
    assert set(np.unique(res['gt_seg_map'])) == {0, 1}
    assert len(_davis(davis_root, 'train')) == 8
    check_davis2016(davis_root, 'val')


def test_generator_is_deterministic(tmp_path, davis_root):
    other = str(tmp_path / 'again')
    make_davis_synthetic(other, **SMALL)
    for rel in ('JPEGImages/480p/synth-val-000/00002.jpg',
                'FlowImages/480p/synth-train-001/00003.jpg',
                'Annotations/480p/synth-val-001/00000.png', 'ImageSets/2016/val.txt'):
        with open(osp.join(davis_root, rel), 'rb') as a, open(osp.join(other, rel), 'rb') as b:
            assert a.read() == b.read(), rel


def test_flow_is_exact():
    """Pixels move by the flow of their frame: object by its velocity, background (pans) too."""
    rng = np.random.default_rng(0)
    frames, masks, flows = render_sequence(rng, 6, (48, 56))
    h, w = masks.shape[1:]
    for t in range(5):
        ys, xs = np.nonzero(masks[t])
        u, v = flows[t][ys[0], xs[0]]
        assert np.all(flows[t][masks[t]] == (u, v))
        ty, tx = ys + int(v), xs + int(u)
        assert masks[t + 1][ty, tx].all()  # the object lands on the object
        np.testing.assert_array_equal(frames[t + 1][ty, tx], frames[t][ys, xs])
        by, bx = np.nonzero(~masks[t])
        bu, bv = flows[t][by[0], bx[0]]
        assert (bu, bv) != (u, v)
        qy, qx = (by + int(bv)) % h, (bx + int(bu)) % w
        keep = ~masks[t + 1][qy, qx]  # not covered by the object in the next frame
        np.testing.assert_array_equal(frames[t + 1][qy[keep], qx[keep]],
                                      frames[t][by[keep], bx[keep]])


def test_colour_wheel_coding():
    wheel = make_colorwheel()
    assert wheel.shape == (55, 3)
    np.testing.assert_array_equal(wheel[[0, 15, 21, 25, 36, 49]],
                                  [[255, 0, 0], [255, 255, 0], [0, 255, 0], [0, 255, 255],
                                   [0, 0, 255], [255, 0, 255]])
    flow = np.zeros((2, 2, 2), np.float32)
    flow[0, 0] = (3, 0)     # rightward at full magnitude -> red
    flow[0, 1] = (-3, 0)    # leftward -> angle 0 -> wheel entry (ncols - 1) / 2 = 27 (blue-cyan)
    img = flow_to_image(flow)
    np.testing.assert_array_equal(img[1, 1], [255, 255, 255])  # no motion -> white
    assert tuple(img[0, 0]) == (254, 0, 0) or tuple(img[0, 0]) == (255, 0, 0)
    # magnitude 1 - 1e-5 after normalisation: within 1 grey level of the wheel colour
    np.testing.assert_allclose(img[0, 1], wheel[27], atol=1)


def test_missing_flow_is_an_error(tmp_path):
    root = str(tmp_path)
    make_davis_synthetic(root, **SMALL)
    os.remove(osp.join(root, 'FlowImages/480p/synth-val-000/00002.jpg'))
    with pytest.raises(FileNotFoundError, match='no flow image'):
        _davis(root)


def test_frame_mask_count_mismatch_is_an_error(tmp_path):
    root = str(tmp_path)
    make_davis_synthetic(root, **SMALL)
    os.remove(osp.join(root, 'Annotations/480p/synth-val-001/00003.png'))
    with pytest.raises(ValueError, match='4 frames but 3 masks'):
        _davis(root)


def test_unknown_sequence_is_an_error(davis_root):
    with pytest.raises(KeyError, match='unknown sequence'):
        DAVIS2016FrameFlowDataset(data_root=davis_root, sequences=['bear'], pipeline=[])


def test_missing_root_shows_the_tree(tmp_path):
    with pytest.raises(FileNotFoundError, match='JPEGImages/480p/<sequence>'):
        _davis(str(tmp_path / 'nothing'))
    with pytest.raises(FileNotFoundError, match='FlowImages/480p'):
        check_davis2016(str(tmp_path / 'nothing'))


def test_corrupt_image_names_the_file(tmp_path):
    root = str(tmp_path)
    make_davis_synthetic(root, **SMALL)
    bad = osp.join(root, 'JPEGImages/480p/synth-val-000/00001.jpg')
    with open(bad, 'wb') as f:
        f.write(b'not a jpeg')
    info = _davis(root).get_data_info(1)
    with pytest.raises(CorruptImageError, match='00001.jpg.*corrupt'):
        LoadFrameAndFlow()(dict(info))


def test_davis2016_imageset_pairs(tmp_path):
    path = tmp_path / 'val.txt'
    path.write_text('/JPEGImages/480p/blackswan/00000.jpg /Annotations/480p/blackswan/00000.png\n'
                    '/JPEGImages/480p/blackswan/00001.jpg /Annotations/480p/blackswan/00001.png\n'
                    '/JPEGImages/480p/cows/00000.jpg /Annotations/480p/cows/00000.png\n')
    assert _read_split(str(path)) == ['blackswan', 'cows']


def test_official_davis2seg_layout(tmp_path):
    root = str(tmp_path)
    make_davis_synthetic(root, layout='davis2seg', **SMALL)
    assert osp.isfile(osp.join(root, 'flow/val/synth-val-001_00002.jpg'))
    ds = DAVIS2SEGFrameFlowDataset(data_root=root, split='val', pipeline=[])
    assert len(ds) == 8
    assert {ds.get_data_info(i)['seq_name'] for i in range(8)} == {'synth-val-000',
                                                                  'synth-val-001'}


def test_sparse_layouts(tmp_path):
    yto = str(tmp_path / 'yto')
    make_davis_synthetic(yto, layout='youtube_objects', annotate_every=2, **SMALL)
    ds = YouTubeObjectsFrameFlowDataset(data_root=yto, pipeline=[])
    seqs = sorted({ds.get_data_info(i)['seq_name'] for i in range(len(ds))})
    assert seqs == ['car/synth-train-000', 'car/synth-val-000', 'dog/synth-train-001',
                    'dog/synth-val-001']
    assert len(ds) == 4 * 2  # frames 0 and 2 of each 4-frame video are annotated
    assert [ds.get_data_info(i)['frame_index'] for i in range(2)] == [0, 2]
    lv = str(tmp_path / 'lv')
    make_davis_synthetic(lv, layout='long_videos', annotate_every=3, **SMALL)
    ds = LongVideosFrameFlowDataset(data_root=lv, sequences=['synth-val-000'], pipeline=[])
    assert len(ds) == 2
    with pytest.raises(ValueError, match='masks'):  # dense reading of sparse data is an error
        LongVideosFrameFlowDataset(data_root=lv, annotated_only=False, pipeline=[])


def test_mask_of_another_size_names_both_files(tmp_path):
    """Training and test pipelines alike: the error names the mask, the frame and the sizes
    when the mask is loaded (the frame is 40 x 32, the mask 20 x 16)."""
    import cv2
    root = str(tmp_path)
    make_davis_synthetic(root, **SMALL)
    bad = osp.join(root, 'Annotations/480p/synth-val-000/00001.png')
    cv2.imwrite(bad, np.zeros((16, 20), np.uint8))
    info = _davis(root).get_data_info(1)
    with pytest.raises(ValueError, match=r'mask .*00001\.png is 20 x 16 .* frame .*00001\.jpg '
                                         r'is 40 x 32'):
        LoadBinaryMask()(LoadFrameAndFlow()(dict(info)))
    from mmseg.datasets.transforms import Resize
    resized = Resize(scale=(80, 64), keep_ratio=True)(LoadFrameAndFlow()(dict(info)))
    assert resized['img'].shape[:2] == (64, 80)
    with pytest.raises(ValueError, match='is 20 x 16'):  # test pipeline: resize first
        LoadBinaryMask()(resized)
    good = _davis(root).get_data_info(0)
    res = LoadBinaryMask()(Resize(scale=(80, 64), keep_ratio=True)(LoadFrameAndFlow()(dict(good))))
    assert res['gt_seg_map'].shape == (32, 40)  # masks stay at the frame's original size
