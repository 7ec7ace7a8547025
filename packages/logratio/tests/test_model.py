"""The retriever (shapes, gradients, grouped loss, predict), the inverse-time lr schedule,
the converter, the metric against brute force / scikit-learn / cvshared, the grids, the
inferencer."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'logratio', 'logratio_resnet18-tiny_8e_synthetic.py')


def _model(**kwargs):
    from logratio.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(dict(type='LogratioRetriever', in_channels=32, embed_dim=8,
                                 backbone=dict(type='ResNet', depth=18, stem_channels=4,
                                               base_channels=4, out_indices=(3,)), **kwargs))


def test_shapes_gradients_and_grouped_loss():
    from logratio.models import log_ratio_loss
    model = _model()
    x = torch.rand(10, 3, 32, 32, requires_grad=True)
    embed = model(x, mode='tensor')
    assert embed.shape == (10, 8)
    samples = [BaseDataElement(group=i // 5, gt_dist=float(i % 5)) for i in range(10)]
    loss = model(x, samples, mode='loss')['loss']
    model.eval()  # the same BN statistics for the reference below
    with torch.no_grad():
        e = model(x, mode='tensor')
        want = (log_ratio_loss(e[:5], torch.arange(1., 5.)) +
                log_ratio_loss(e[5:], torch.arange(1., 5.))) / 2
        got = model(x, samples, mode='loss')['loss']
    assert float(got) == pytest.approx(float(want), rel=1e-5)
    loss.backward()
    assert x.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    out = model(x[:2], [BaseDataElement(sample_idx=7, img_path='a'),
                        BaseDataElement(sample_idx=8, img_path='b')], mode='predict')
    assert out[1]['sample_idx'] == 8 and out[1]['embedding'].shape == (8,)


def test_normalize_gives_unit_embeddings():
    model = _model(normalize=True).eval()
    with torch.no_grad():
        e = model(torch.rand(3, 3, 32, 32), mode='tensor')
    torch.testing.assert_close(e.norm(dim=1), torch.ones(3), atol=1e-6, rtol=0)


def test_inverse_time_lr_matches_the_official_schedule():
    """lr after t optimizer steps = lr0 / (1 + t decay) (official adjust_learning_rate)."""
    import logratio  # noqa: F401
    from mmengine.optim import OptimWrapper
    from mmengine.registry import PARAM_SCHEDULERS
    param = torch.nn.Parameter(torch.zeros(1))
    optim = OptimWrapper(torch.optim.SGD([param], lr=0.01, momentum=0.9))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        sched = PARAM_SCHEDULERS.build(dict(type='InverseTimeLR', optimizer=optim, decay=0.05,
                                            by_epoch=False))
    seen = []
    for _ in range(30):
        seen.append(optim.param_groups[0]['lr'])
        optim.step(), sched.step()
    np.testing.assert_allclose(seen, [0.01 / (1 + t * 0.05) for t in range(30)], rtol=1e-12)


def test_convert_round_trip_loads_strictly():
    from logratio.convert import convert, to_official
    model = _model()
    official = {'module.' + k: v for k, v in to_official(model.state_dict()).items()}
    assert 'module.model.fc.weight' in official and 'module.model.layer1.0.conv1.weight' in official
    model.load_state_dict(convert({'epoch': 3, 'state_dict': official, 'lr': 0.01}), strict=True)
    with pytest.raises(KeyError, match='unexpected.weight'):
        convert({'unexpected.weight': torch.zeros(1)})


def _brute_force_scores(embed, label, nq):
    """The official eval_retrieval loops, re-written plainly (one query at a time)."""
    mean, ndcg = np.zeros(10), np.zeros(10)
    for q in range(nq):
        e = ((embed[nq:] - embed[q]) ** 2).sum(1)
        order = sorted(range(len(e)), key=lambda i: e[i])
        d = [label[q, nq + i] for i in order]
        mean += np.cumsum(d[:10]) / np.arange(1, 11)
        ideal = sorted(label[q, nq:])
        for j, k in enumerate(range(10, 110, 10)):
            disc = [1 / np.log2(r + 1) for r in range(1, k + 1)]
            ndcg[j] += sum(2 ** -np.log2(1 + x) * w for x, w in zip(d[:k], disc)) / sum(
                2 ** -np.log2(1 + x) * w for x, w in zip(ideal[:k], disc))
    return mean / nq * 224 / 288, ndcg / nq


def test_metric_equals_brute_force_sklearn_and_cvshared():
    from logratio.metrics import pose_retrieval_scores
    from sklearn.metrics import ndcg_score
    rng = np.random.RandomState(0)
    n, nq = 140, 20
    embed = rng.randn(n, 5)
    pts = rng.rand(n, 3)
    label = np.linalg.norm(pts[:, None] - pts[None], axis=-1) * 10
    ours = pose_retrieval_scores(embed, label, num_query=nq)
    mean, ndcg = _brute_force_scores(embed, label, nq)
    np.testing.assert_allclose([ours[f'mean_dist@{k}'] for k in range(1, 11)], mean, rtol=1e-10)
    np.testing.assert_allclose([ours[f'ndcg@{k}'] for k in range(10, 110, 10)], ndcg, rtol=1e-10)
    emb = ((embed[:nq, None] - embed[None, nq:]) ** 2).sum(-1)
    for k in (10, 50, 100):
        ref = ndcg_score(1 / (1 + label[:nq, nq:]), -emb, k=k)
        assert ours[f'ndcg@{k}'] == pytest.approx(ref, rel=1e-10)
    try:
        from cvshared.metrics.retrieval import continuous_ndcg_at_k
    except ImportError:
        pytest.skip('cvshared.metrics.retrieval not installed yet (shared retrieval base)')
    shared = continuous_ndcg_at_k(embed[:nq], embed[nq:], label[:nq, nq:], ks=(10, 50, 100))
    for k in (10, 50, 100):   # float32 search in cvshared: 1e-6
        assert shared[k] == pytest.approx(ours[f'ndcg@{k}'], rel=1e-6)


def test_metric_bad_input():
    from logratio.metrics import PoseRetrievalMetric, pose_retrieval_scores
    with pytest.raises(ValueError, match='larger than the gallery'):
        pose_retrieval_scores(np.zeros((50, 2)), np.zeros((50, 50)), num_query=10)
    with pytest.raises(ValueError, match='do not match'):
        pose_retrieval_scores(np.zeros((50, 2)), np.zeros((40, 40)), num_query=10)
    metric = PoseRetrievalMetric(data_root='/nonexistent', num_query=1)
    with pytest.raises(FileNotFoundError, match='dist_pose_val.mat'):
        metric.compute_metrics([(0, torch.zeros(2))])


def test_metric_on_the_test_set_needs_every_image(tiny_set):
    from logratio.metrics import PoseRetrievalMetric
    metric = PoseRetrievalMetric(data_root=tiny_set, num_query=5, mean_dist_ks=(1,),
                                 ndcg_ks=(10,))
    with pytest.raises(ValueError, match='val folder holds 30'):
        metric.compute_metrics([(i, torch.zeros(2)) for i in range(29)])
    scores = metric.compute_metrics([(i, torch.randn(2)) for i in range(30)])
    assert set(scores) == {'mean_dist@1', 'ndcg@10'}


def test_metric_uses_the_leading_block_of_a_wider_matrix(tiny_set, tmp_path):
    """eval_retrieval reads dist_pose_val[:num_query, num_query:num_data_val]: a matrix
    wider than the val folder scores as its leading block; a narrower one is an error."""
    import shutil

    from logratio.datasets import load_val_distances
    from logratio.metrics import PoseRetrievalMetric
    from scipy.io import savemat
    root = str(tmp_path / 'wide')
    shutil.copytree(tiny_set, root)
    dist = load_val_distances(root)
    embed = [(i, torch.randn(4, generator=torch.Generator().manual_seed(i)))
             for i in range(30)]
    metric = PoseRetrievalMetric(data_root=root, num_query=5, mean_dist_ks=(1, 3),
                                 ndcg_ks=(10,))
    before = metric.compute_metrics(embed)
    wide = np.pad(dist, ((0, 3), (0, 3)), constant_values=1e3)
    savemat(osp.join(root, 'dist_pose_val.mat'), {'dist_pose_val': wide})
    assert metric.compute_metrics(embed) == before
    savemat(osp.join(root, 'dist_pose_val.mat'), {'dist_pose_val': dist[:29, :29]})
    with pytest.raises(ValueError, match=r'at least \(30, 30\)'):
        metric.compute_metrics(embed)


def test_draw_sample_frames_by_distance():
    from logratio.hooks import draw_sample
    q = np.zeros((20, 20, 3), np.uint8)
    grid = draw_sample(q, [q, q], [0.0, 5.0], max_dist=5.0)
    assert grid.shape == (32, 72, 3)
    assert tuple(grid[0, 2]) == (40, 120, 255)                 # query frame
    assert tuple(grid[0, 26]) == (0, 200, 0) and tuple(grid[0, 50]) == (220, 0, 0)
    assert (grid[8:12, 8:12] == 0).all() and q.sum() == 0      # interior and input untouched
    with pytest.raises(ValueError, match='2 retrieved images but 1 distances'):
        draw_sample(q, [q, q], [1.0])
    with pytest.raises(ValueError, match='retrieved image 0'):
        draw_sample(q, [q[:10]])


def test_hook_grids_rank_by_embedding(tiny_set):
    from logratio.datasets import PoseRetrievalDataset
    from logratio.hooks import LogratioVisualizationHook
    files = PoseRetrievalDataset(data_root=tiny_set, split='val').data_list
    hook = LogratioVisualizationHook(draw=True, test_out_dir='vis', data_root=tiny_set,
                                     num_query=5, topk=3, num_grids=2)
    embed = torch.zeros(30, 1)
    embed[5:, 0] = torch.arange(25, 0, -1).float()   # gallery item 29 is nearest to 0
    grids = hook.grids([(i, f['img_path'], embed[i]) for i, f in enumerate(files)])
    assert [g[0] for g in grids] == ['query_00000', 'query_00001']
    last = np.asarray(Image.open(files[29]['img_path']).convert('RGB'))
    tile = grids[0][1][3:29, 36 + 2 + 3:36 + 2 + 29]   # second tile: x = 1 * (w + 4) + 2
    np.testing.assert_array_equal(tile, last[3:29, 3:29])
    with pytest.raises(ValueError, match='larger than the gallery'):
        LogratioVisualizationHook(draw=True, test_out_dir='v', num_query=5, topk=26).grids(
            [(i, f['img_path'], embed[i]) for i, f in enumerate(files)])


def test_inferencer_embeds_and_draws(tmp_path, tiny_set):
    from logratio.infer import INFERENCER
    from logratio.registry import MODELS
    images = sorted(glob.glob(osp.join(tiny_set, 'val', '*.png')))[:3]
    cfg = Config.fromfile(SYNTHETIC)
    for t in cfg.test_dataloader.dataset.pipeline:
        if t['type'] == 'PoseTranslation':
            t.update(size_input=32, size_crop=28)
    cfg.dump(str(tmp_path / 'cfg.py'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model).eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    payload = INFERENCER(str(tmp_path / 'cfg.py'), str(tmp_path / 'model.pth'))(
        images, out_dir=str(tmp_path / 'o'))
    first = np.asarray(Image.open(images[0]).convert('RGB'))[3:31, 3:31, ::-1].copy()
    x = torch.from_numpy(first).permute(2, 0, 1)[None].float()
    x = x - torch.tensor([103.939, 116.779, 123.68])[:, None, None]
    with torch.no_grad():
        want = model(x, mode='tensor')[0]
    got = torch.tensor(payload['results'][0]['embedding'])
    torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)   # the checkpoint's weights
    grid = np.asarray(Image.open(payload['results'][0]['files'][0]))
    assert grid.shape == (32 + 12, 3 * 36, 3)
