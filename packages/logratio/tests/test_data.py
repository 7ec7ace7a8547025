"""The official layout reader and its errors, the mining (order, set, sizes), the mined
dataset (flip, distances), the crops, the synthetic generator."""
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from logratio.datasets import (
    DenseTripletDataset,
    PoseRetrievalDataset,
    PoseTranslation,
    dense_triplet_collate,
    load_neighbours,
    load_val_distances,
    mine_binary,
    mine_dense,
)
from logratio.datasets.synthetic import neighbour_lists, pose_distances
from mmengine.registry import DefaultScope

PIPELINE = [dict(type='LoadImageFromFile'),
            dict(type='PoseTranslation', size_input=32, size_crop=28, jitter=False),
            dict(type='PosePackInputs')]


def _lists(n=40, seed=0):
    rng = np.random.RandomState(seed)
    pts = rng.rand(n, 11, 2)
    return neighbour_lists(pose_distances(pts, pts))


def test_dense_mining_order_set_sizes():
    list_nn, dist_nn = _lists()
    n, k, b = 40, 5, 16
    idx, dist = mine_dense(list_nn, dist_nn, k, b, np.random.RandomState(0))
    assert idx.shape == dist.shape == (n, b - 1)
    np.testing.assert_array_equal(idx[:, :k], list_nn[:, :k])       # the k nearest, first
    assert (np.diff(dist, axis=1) >= 0).all()                         # ascending label dist
    for a in range(n):
        assert len(set(idx[a])) == b - 1 and a not in idx[a]         # no repeat, no anchor
        ranks = [list(list_nn[a]).index(j) for j in idx[a]]
        assert ranks == sorted(ranks) and max(ranks) <= n - 2
        np.testing.assert_array_equal(dist[a], dist_nn[a, ranks])
    # the random part covers every rank k .. N-2 over the anchors (uniform sampling)
    all_ranks = {list(list_nn[a]).index(j) for a in range(n) for j in idx[a, k:]}
    assert all_ranks == set(range(k, n - 1))


def test_binary_mining_positives_and_negatives():
    list_nn, dist_nn = _lists()
    idx, _ = mine_binary(list_nn, dist_nn, 12, np.random.RandomState(0), num_pos_pool=10,
                         num_pos=3)
    for a in range(40):
        ranks = [list(list_nn[a]).index(j) for j in idx[a]]
        assert max(ranks[:3]) < 10 <= min(ranks[3:])


def test_mining_sizes_are_checked():
    list_nn, dist_nn = _lists(n=10)
    with pytest.raises(ValueError, match='batch_size'):
        mine_dense(list_nn, dist_nn, 5, 11, np.random.RandomState(0))
    with pytest.raises(ValueError, match='batch_size'):
        mine_dense(list_nn, dist_nn, 5, 6, np.random.RandomState(0))


def test_reader_orders_and_shapes(tiny_set):
    data = PoseRetrievalDataset(data_root=tiny_set, split='val')
    assert len(data) == 30
    assert [osp.basename(d['img_path']) for d in data.data_list][:3] == [
        '00000.png', '00001.png', '00002.png']
    list_nn, dist_nn = load_neighbours(tiny_set, 'train', 24)
    assert list_nn.shape == dist_nn.shape == (24, 23)
    assert load_val_distances(tiny_set, 30).shape == (30, 30)


def test_missing_data_shows_the_tree(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        PoseRetrievalDataset(data_root=str(tmp_path / 'none'), split='val')
    assert str(tmp_path / 'none') in str(err.value) and 'dist_pose_val.mat' in str(err.value)
    os.makedirs(tmp_path / 'only' / 'train')
    with pytest.raises(FileNotFoundError, match='two image sub-folders'):
        PoseRetrievalDataset(data_root=str(tmp_path / 'only'), split='val')
    with pytest.raises(FileNotFoundError, match='list_nn.pkl'):
        load_neighbours(str(tmp_path / 'only'), 'train', 3)


def _rewrite(root, name, key, value):
    with open(osp.join(root, name), 'rb') as f:
        data = pickle.load(f)
    data[key] = value
    with open(osp.join(root, name), 'wb') as f:
        pickle.dump(data, f)


def test_bad_neighbour_files_name_the_file(tiny_set, tmp_path):
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(tiny_set, root)
    list_nn, dist_nn = load_neighbours(root, 'train', 24)
    with pytest.raises(ValueError, match=r"list_nn.pkl\['trn'\]: shape"):
        load_neighbours(root, 'train', 25)
    selfish = list_nn.copy()
    selfish[3, 0] = 3
    _rewrite(root, 'list_nn.pkl', 'trn', selfish)
    with pytest.raises(ValueError, match='row 3 lists the anchor itself'):
        load_neighbours(root, 'train', 24)
    _rewrite(root, 'list_nn.pkl', 'trn', list_nn + 1)
    with pytest.raises(ValueError, match='1-based'):
        load_neighbours(root, 'train', 24)
    _rewrite(root, 'list_nn.pkl', 'trn', list_nn)
    _rewrite(root, 'dist_nn.pkl', 'trn', dist_nn[:, ::-1])
    with pytest.raises(ValueError, match='row 0 is not in ascending'):
        load_neighbours(root, 'train', 24)


def _mined(root, **kwargs):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return DenseTripletDataset(dict(type='PoseRetrievalDataset', data_root=root,
                                        split='train', pipeline=PIPELINE), **kwargs)


def test_mined_dataset_items(tiny_set):
    data = _mined(tiny_set, num_nn=3, batch_size=10)
    item = data[4]
    assert len(item['inputs']) == len(item['data_samples']) == 10
    samples = item['data_samples']
    assert samples[0].sample_idx == 4 and samples[0].gt_dist == 0.0
    gts = [s.gt_dist for s in samples[1:]]
    assert gts == sorted(gts) and gts[0] > 0
    list_nn, dist_nn = load_neighbours(tiny_set, 'train', 24)
    assert [s.sample_idx for s in samples[1:4]] == list(list_nn[4, :3])
    assert gts[:3] == pytest.approx(list(dist_nn[4, :3]))
    batch = dense_triplet_collate([data[0], data[1]])
    assert [s.group for s in batch['data_samples']] == [0] * 10 + [1] * 10
    # epochs are mined anew, deterministically
    epoch0 = data.mined()[0].copy()
    data.set_epoch(1)
    epoch1 = data.mined()[0].copy()
    data.set_epoch(0)
    np.testing.assert_array_equal(data.mined()[0], epoch0)
    assert (epoch1 != epoch0).any()


def test_flip_is_the_whole_minibatch(tiny_set):
    never = _mined(tiny_set, num_nn=3, batch_size=6, flip_prob=0.0)
    always = _mined(tiny_set, num_nn=3, batch_size=6, flip_prob=1.0)
    a, b = never[2], always[2]
    for x, y in zip(a['inputs'], b['inputs']):
        assert torch.equal(torch.flip(x, dims=(-1,)), y) and not torch.equal(x, y)
    half = _mined(tiny_set, num_nn=3, batch_size=6, flip_prob=0.5)
    rate = float(np.mean(half.mined()[2]))
    assert 0.2 < rate < 0.8   # 24 anchors, p = 0.5: outside only with probability < 1 %


def test_official_crop_boxes():
    centre = PoseTranslation(288, 224, jitter=False)
    assert centre.box() == (33, 33, 257, 257)
    jitter = PoseTranslation(288, 224, jitter=True)
    rng = np.random.RandomState(0)
    boxes = np.array([jitter.box(rng) for _ in range(500)])
    widths = boxes[:, 2] - boxes[:, 0]
    assert widths.min() >= 224 - 24 and widths.max() <= 224 + 24 and widths.std() > 3
    assert boxes[:, 0].min() >= 33 - 12 - 7 and boxes[:, 0].max() <= 33 + 12 + 7
    img = np.arange(288 * 288 * 3, dtype=np.uint8).reshape(288, 288, 3)
    out = jitter.transform(dict(img=img))['img']
    assert out.shape == (224, 224, 3)
    with pytest.raises(ValueError, match='expected 288 x 288'):
        centre.transform(dict(img=img[:100], img_path='x.jpg'))


def test_synthetic_distances_are_joint_distances(tiny_set):
    """dist_pose_val is symmetric with a zero diagonal, list_nn sorts it, and the images
    differ where the poses do (nearest pose pairs look more alike than far ones)."""
    from PIL import Image
    dist = load_val_distances(tiny_set)
    assert np.allclose(dist, dist.T) and np.allclose(np.diag(dist), 0)
    list_nn, dist_nn = load_neighbours(tiny_set, 'val', 30)
    np.testing.assert_allclose(dist_nn, np.take_along_axis(dist, list_nn, 1))
    files = PoseRetrievalDataset(data_root=tiny_set, split='val').data_list
    pix = np.stack([np.asarray(Image.open(f['img_path']).convert('L'), np.float64)
                    for f in files]) > 128
    near = np.mean([(pix[a] ^ pix[list_nn[a, 0]]).mean() for a in range(30)])
    far = np.mean([(pix[a] ^ pix[list_nn[a, -1]]).mean() for a in range(30)])
    assert near < 0.8 * far


def _released(tmp_path, name, n_trn=7, n_val=9, **options):
    """A tiny set in the released format (``write_pose_layout``), ``options`` choosing the
    stored representation; returns the root and the arrays written."""
    from logratio.datasets import write_pose_layout
    rng = np.random.RandomState(3)
    lists, dists, full = {}, {}, {}
    for key, n in (('trn', n_trn), ('val', n_val)):
        pts = rng.rand(n, 11, 2) * 288
        full[key] = pose_distances(pts, pts)
        lists[key], dists[key] = neighbour_lists(full[key])
    images = {k: [rng.randint(0, 255, (8, 8, 3)) for _ in range(n)]
              for k, n in (('trn', n_trn), ('val', n_val))}
    root = str(tmp_path / name)
    write_pose_layout(root, images, lists, dists, full['val'], **options)
    return root, lists, dists, full['val']


@pytest.mark.parametrize('options', [
    dict(),
    dict(rows='list', pickle_protocol=2, mat_dtype=np.float32,
         mat_extra={'note': np.array([1.0])}),
], ids=['2d-arrays', 'row-lists-py2-float32'])
def test_released_format_variants_read_alike(tmp_path, options):
    """Each stored representation the official loaders accept (2-D arrays or lists of rows,
    any pickle protocol, float32 / float64 MAT) reads to the same arrays; the official access
    ``pickle.load(f)['trn'][a][ranks]`` (Dense_PairDataset) sees the same rows."""
    root, lists, dists, val = _released(tmp_path, 'set', **options)
    data = PoseRetrievalDataset(data_root=root, split='train')
    assert len(data) == 7
    list_nn, dist_nn = load_neighbours(root, 'train', 7)
    assert list_nn.shape == (7, 6) and np.issubdtype(list_nn.dtype, np.integer)
    np.testing.assert_array_equal(list_nn, lists['trn'])
    np.testing.assert_array_equal(dist_nn, dists['trn'])
    list_v, dist_v = load_neighbours(root, 'val', 9)
    np.testing.assert_array_equal(list_v, lists['val'])
    got = load_val_distances(root, 9)
    # float32 storage rounds values < 410 (11 joints in 288 px) by < 2^-15 = 3.1e-5
    tol = 3.1e-5 if options.get('mat_dtype') == np.float32 else 0
    np.testing.assert_allclose(got, val, rtol=0, atol=tol)
    with open(osp.join(root, 'list_nn.pkl'), 'rb') as f:
        official = pickle.load(f)           # the official call: no encoding argument
    ranks = np.array([0, 2, 5])
    np.testing.assert_array_equal(official['trn'][4][ranks], list_nn[4, ranks])


def test_released_format_bad_input_names_file_and_row(tmp_path):
    root, lists, dists, val = _released(tmp_path, 'set')
    ragged = list(lists['trn'])
    ragged[5] = ragged[5][:-1]
    _rewrite(root, 'list_nn.pkl', 'trn', ragged)
    with pytest.raises(ValueError, match=r"list_nn.pkl\['trn'\]: row 5 has 5 entries"):
        load_neighbours(root, 'train', 7)
    _rewrite(root, 'list_nn.pkl', 'trn', lists['trn'].astype(np.float64))
    with pytest.raises(ValueError, match='must be integers'):
        load_neighbours(root, 'train', 7)
    # a matrix wider than the test set: its leading block, as eval_retrieval slices it
    from scipy.io import savemat
    wide = np.pad(val, ((0, 2), (0, 2)), constant_values=-1.0)
    savemat(osp.join(root, 'dist_pose_val.mat'), {'dist_pose_val': wide})
    np.testing.assert_array_equal(load_val_distances(root, 9), val)
    with pytest.raises(ValueError, match=r'at least \(12, 12\)'):
        load_val_distances(root, 12)
    with pytest.raises(ValueError, match='square'):
        savemat(osp.join(root, 'dist_pose_val.mat'), {'dist_pose_val': wide[:, :10]})
        load_val_distances(root)
    # a MATLAB v7.3 header (text, subsystem offset, version 0x0200, endian 'IM'): HDF5 inside
    header = b'MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 .'.ljust(116)
    with open(osp.join(root, 'dist_pose_val.mat'), 'wb') as f:
        f.write(header + bytes(8) + b'\x00\x02IM' + bytes(400))
    with pytest.raises(ValueError, match=r"dist_pose_val.mat: a MATLAB v7.3 .*'-v7'"):
        load_val_distances(root, 9)
    with open(osp.join(root, 'dist_pose_val.mat'), 'wb') as f:
        f.write(bytes(600))
    with pytest.raises(ValueError, match='dist_pose_val.mat: not a readable MAT file'):
        load_val_distances(root, 9)
