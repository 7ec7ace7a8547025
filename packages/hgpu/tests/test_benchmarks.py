"""The evaluation protocol: the frames each benchmark scores, every test config running on a
fixture tree (through tools/test.py's Runner path, flip and CRF included), the flip test, the
CRF switch and the TTA merge."""
from __future__ import annotations

import os
import os.path as osp
import types

import numpy as np
import pytest
import torch
from cvshared.engine.launch import load_config
from mmengine.config import Config

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
N_FRAMES = 5


@pytest.fixture(scope='module')
def fixture_root(tmp_path_factory):
    """A tiny synthetic DAVIS-16 tree (1 train, 2 val videos of 5 frames, 32 x 32) and its val
    videos in the YouTube-Objects, Long-Videos and DAVIS-17 layouts."""
    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    from hgpu.paper import write_benchmark_layouts
    root = str(tmp_path_factory.mktemp('hgpu_bench') / 'data')
    make_davis_synthetic(root, num_train=1, num_val=2, num_frames=N_FRAMES, size=(32, 32),
                         seed=3, frame_pairs=True)
    write_benchmark_layouts(root)
    return root


def official_writes(n: int) -> dict[int, tuple[int, int]]:
    """Which (pair k, output i) the official test_HGPU.py leaves in each frame's PNG: it walks
    the consecutive pairs (0, 1), (1, 2), ..., (n - 2, n - 1) and saves output 0 as frame k and
    output 1 as frame k + 1, so a later pair overwrites frame k + 1 (simulated here)."""
    written = {}
    for k in range(n - 1):
        written[k] = (k, 0)
        written[k + 1] = (k, 1)
    return written


def _env(monkeypatch, root):
    """The roots make reproduce reads; returns ``{benchmark: root}`` (a test config's
    DATA_ROOT)."""
    roots = {'davis16': root}
    for bench, var in (('youtube_objects', 'YTOBJ_ROOT'), ('long_videos', 'LONGVIDEOS_ROOT'),
                       ('davis17', 'DAVIS17_ROOT')):
        roots[bench] = osp.join(root, bench)
        monkeypatch.setenv(var, roots[bench])
    return roots


def _dataset(cfg):
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    return DATASETS.build(cfg.test_dataloader.dataset)


def test_davis16_eval_predicts_every_frame_as_the_official_script(fixture_root, monkeypatch):
    """One sample per frame, each predicted by the pair and output whose PNG the official script
    leaves on disk; DAVIS-16 (first and last frame dropped) then scores frames 1 .. n - 2, the
    frames the official toolbox scores (the old pair-per-sample eval stopped at n - 3)."""
    cfg = load_config(osp.join(ROOT, 'configs/hgpu/hgpu_r101_4xb5-30e_davis16-512x512.py'),
                      data_root=fixture_root)
    ds = _dataset(cfg)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    videos = sorted({d['seq_name'] for d in infos})
    assert len(videos) == 2 and len(infos) == 2 * N_FRAMES
    for video in videos:
        rows = [d for d in infos if d['seq_name'] == video]
        got = {d['frame_index']: (int(d['frame_name']), d['pair_index']) for d in rows}
        assert got == official_writes(N_FRAMES)
        for d in rows:  # the ground truth is the evaluated frame's mask
            assert d['seg_map_path'].endswith(f"{d['eval_frame_name']}.png")
            assert int(d['eval_frame_name']) == d['frame_index']

    from cvshared.metrics.davis import DAVISJFMetric
    metric = DAVISJFMetric(**{k: v for k, v in cfg.test_evaluator.items() if k != 'type'})

    def score(wrong_frames):
        per_frame = {(v, t): (0.0 if t in wrong_frames else 1.0) for v in videos
                     for t in range(N_FRAMES)}
        results = [(v, t, j, j) for (v, t), j in per_frame.items()]
        return metric.compute_metrics(results)['J-Mean']

    assert score({0, N_FRAMES - 1}) == 1.0               # first and last: not scored
    assert score({N_FRAMES - 2}) == pytest.approx(2 / 3)  # frame n - 2: scored
    assert score({1}) == pytest.approx(2 / 3)


@pytest.mark.parametrize('bench, scored', [
    # sparse: every 3rd frame and the last annotated, all scored; DAVIS-17: dense, 1 .. n - 2
    ('youtube_objects', [0, 3, 4]), ('long_videos', [0, 3, 4]), ('davis17', [0, 1, 2, 3, 4])])
def test_benchmark_sets_list_the_annotated_frames(fixture_root, monkeypatch, bench, scored):
    from hgpu.paper import TEST
    roots = _env(monkeypatch, fixture_root)
    cfg = load_config(osp.join(ROOT, TEST[bench]), data_root=roots[bench])
    ds = _dataset(cfg)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    per_video = {}
    for d in infos:
        per_video.setdefault(d['seq_name'], []).append(d['frame_index'])
        assert (int(d['frame_name']), d['pair_index']) == official_writes(N_FRAMES)[
            d['frame_index']]
    assert len(per_video) == 2 and all(v == scored for v in per_video.values())
    if bench == 'youtube_objects':
        assert sorted(per_video) == ['car/synth-val-000', 'dog/synth-val-001']
        assert cfg.test_evaluator.group_depth == 1 and not cfg.test_evaluator.ignore_first_last


def _tiny(cfg, size=(32, 32)):
    """The synthetic config's small streams in ``cfg``'s model, its pipelines at ``size``."""
    syn = Config.fromfile(osp.join(ROOT, 'configs/hgpu/hgpu_r18_1xb4-300it_synthetic.py'))
    for key in ('backbone', 'decode_head'):
        cfg.model[key] = syn.model[key]
    cfg.model.data_preprocessor.size = size

    def shrink(node):
        if isinstance(node, dict):
            if node.get('type') == 'Resize':
                node['scale'] = size
            for v in node.values():
                shrink(v)
        elif isinstance(node, list):
            for v in node:
                shrink(v)
    shrink(cfg.test_dataloader)
    cfg.test_dataloader.num_workers = 0
    cfg.test_dataloader.persistent_workers = False
    cfg.default_hooks.visualization.draw = False
    return cfg


def test_paper_test_config_runs_through_the_test_loop(fixture_root, tmp_path, monkeypatch):
    """tools/test.py's path (Runner.test) of the DAVIS-16 paper-protocol config (flip + CRF
    on), with small random streams on the fixture tree: every listed frame is predicted once
    and the CRF, not the threshold, makes the masks."""
    from cvshared.metrics.davis import DAVISJFMetric
    from hgpu.paper import TEST
    from mmengine.runner import Runner
    torch.set_num_threads(1)
    cfg = _tiny(load_config(osp.join(ROOT, TEST['davis16']), None, str(tmp_path), fixture_root))
    assert cfg.model.test_cfg.flip and cfg.model.test_cfg.crf  # the paper's protocol
    cfg.load_from = None
    seen = []
    process = DAVISJFMetric.process

    def record(self, data_batch, data_samples):
        for s in data_samples:
            prob = s['seg_logits']['data'].squeeze(0).cpu().numpy()
            pred = s['pred_sem_seg']['data'].squeeze(0).cpu().numpy() > 0
            seen.append((s['seq_name'], s['frame_index'], bool((pred != (prob > 0.5)).any())))
        return process(self, data_batch, data_samples)

    monkeypatch.setattr(DAVISJFMetric, 'process', record)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    ds = runner.test_dataloader.dataset
    listed = sorted((d['seq_name'], d['frame_index'])
                    for d in map(ds.get_data_info, range(len(ds))))
    assert sorted((v, t) for v, t, _ in seen) == listed and len(listed) == 2 * N_FRAMES
    assert any(changed for *_, changed in seen)  # CRF masks differ from the threshold
    assert set(runner.test_loop.evaluator.metrics[0].per_sequence) == {v for v, _ in listed}
    assert {'davis/J-Mean', 'davis/F-Mean', 'davis/J&F-Mean'} <= set(metrics)


def test_pipeline_stage_tests_the_checkpoint_on_the_benchmark_root(fixture_root, tmp_path,
                                                                   monkeypatch):
    """make reproduce's YouTube-Objects stage (hgpu.paper.benchmark_test_stage): the config
    re-read with DATA_ROOT = YTOBJ_ROOT, the train_davis16 checkpoint loaded strictly (a
    checkpoint of other weights changes the result), Runner.test() on the category means."""
    import cvshared.engine.launch as launch
    from hgpu.paper import TEST, benchmark_test_stage
    from mmseg.registry import MODELS
    torch.set_num_threads(1)
    roots = _env(monkeypatch, fixture_root)
    real_load = launch.load_config
    monkeypatch.setattr(launch, 'load_config', lambda *a, **k: _tiny(real_load(*a, **k)))
    cfg = launch.load_config(osp.join(ROOT, TEST['youtube_objects']), None, str(tmp_path),
                             fixture_root)  # as the pipeline loads it: the DAVIS-16 root
    assert roots['youtube_objects'] not in str(cfg.test_dataloader.dataset)
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
    results = []
    for sign in (1.0, -1.0):  # a checkpoint whose masks are all object / all background
        model = MODELS.build(cfg.model)
        with torch.no_grad():
            model.decode_head.fuse_motion.bias.fill_(20.0)
            model.decode_head.pred.bias.fill_(20.0 * sign)
        ckpt = str(tmp_path / f'sign{sign}.pth')
        torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
        results.append(benchmark_test_stage(cfg, str(tmp_path / f'w{sign}'),
                                            {'train_davis16_checkpoint': ckpt}))
    from cvshared.metrics.davis import constant_mask_baselines
    from mmengine.registry import DATASETS
    yto = DATASETS.build(_tiny(real_load(osp.join(ROOT, TEST['youtube_objects']),
                                         data_root=roots['youtube_objects'])).test_dataloader.dataset)
    base = constant_mask_baselines(yto, ignore_first_last=False, group_depth=1)
    assert results[0]['davis/J-Mean'] == pytest.approx(base['all_foreground'])
    assert results[1]['davis/J-Mean'] == base['all_background'] == 0.0
    with pytest.raises(ValueError, match='not one of the test configs'):
        benchmark_test_stage(types.SimpleNamespace(filename='x.py'), str(tmp_path), {})


@pytest.mark.parametrize('run', ['long_videos', 'davis17', 'synthetic_long_videos',
                                 'synthetic_davis17'])
def test_every_benchmark_config_runs_on_a_fixture_tree(fixture_root, monkeypatch, run):
    """Each benchmark config's data set, pipeline and evaluator with one small random model
    (test_step as the test loop calls it): the metric scores the frames the protocol says
    (sparse sets: every annotated frame; DAVIS-17: every frame of the dense masks, by the
    DAVIS-2017 unsupervised evaluation and against the union of the objects)."""
    from hgpu.paper import SYNTHETIC_TEST, TEST
    from mmengine.dataset import pseudo_collate
    from mmseg.registry import METRICS, MODELS
    torch.set_num_threads(1)
    roots = _env(monkeypatch, fixture_root)
    path = SYNTHETIC_TEST[run.split('_', 1)[1]] if run.startswith('synthetic') else TEST[run]
    root = fixture_root if run.startswith('synthetic') else roots[run]  # synthetic: its subdir
    cfg = _tiny(load_config(osp.join(ROOT, path), data_root=root))
    assert bool(cfg.model.test_cfg.crf) == (not run.startswith('synthetic'))
    ds = _dataset(cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [
        cfg.test_evaluator]
    metrics = [METRICS.build(e) for e in evaluators]
    for i in range(len(ds)):
        with torch.no_grad():
            out = model.test_step(pseudo_collate([ds[i]]))
        for metric in metrics:
            metric.process(None, [o.to_dict() for o in out])
    scored = {}
    for seq, t, *_ in metrics[-1].results:
        scored.setdefault(seq, []).append(t)
    if run.endswith('davis17'):
        assert [e['type'] for e in evaluators] == ['DAVIS17UnsupervisedMetric', 'DAVISJFMetric']
        assert not evaluators[1].ignore_first_last          # the unsupervised task drops none
        assert all(sorted(v) == list(range(N_FRAMES)) for v in scored.values())
        assert sorted((s, t) for s, t, *_ in metrics[0].results) == sorted(
            (s, t) for s, v in scored.items() for t in v)
        instance = metrics[0].compute_metrics(metrics[0].results)
        union = metrics[1].compute_metrics(metrics[1].results)
        # the fixture's DAVIS-17 videos hold one object each: both protocols agree on them
        assert set(metrics[0].per_object) == {f'{v}_1' for v in scored}
        assert instance['J-Mean'] == pytest.approx(union['J-Mean'], abs=1e-12)
        assert instance['F-Mean'] == pytest.approx(union['F-Mean'], abs=1e-12)
        return
    metric = metrics[0]
    assert all(sorted(v) == [0, 3, 4] for v in scored.values())
    assert not cfg.test_evaluator.ignore_first_last
    result = metric.compute_metrics(metric.results)
    assert len(scored) == 2 and set(metric.per_sequence) == set(scored)
    per_video = [metric.per_sequence[v]['J-Mean'] for v in sorted(scored)]
    assert result['J-Mean'] == pytest.approx(sum(per_video) / 2)  # one category per video


# ------------------------------------------------------------------ flip, CRF, TTA
@pytest.fixture(scope='module')
def segmentor():
    import hgpu  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    syn = Config.fromfile(osp.join(ROOT, 'configs/hgpu/hgpu_r18_1xb4-300it_synthetic.py'))
    syn.model.data_preprocessor.size = (32, 32)
    torch.manual_seed(0)
    model = MODELS.build(syn.model).eval()
    # decoder weights of order one (its N(0, 0.001) initialisation gives a constant mask)
    for p in model.decode_head.parameters():
        if p.dim() == 4:
            torch.nn.init.normal_(p, 0.0, 1.0 / np.sqrt(p[0].numel()))
    return model


def test_flip_test_is_the_mean_probability_of_both_passes(segmentor):
    torch.manual_seed(1)
    x = torch.randn(2, 9, 32, 32)
    metas = [dict(img_shape=(32, 32), ori_shape=(32, 32), pair_index=i) for i in (0, 1)]
    segmentor.test_cfg.flip = False
    with torch.no_grad():
        plain = segmentor.inference(x, metas)
        mirrored = segmentor.inference(x.flip(-1), metas).flip(-1)
        segmentor.test_cfg.flip = True
        both = segmentor.inference(x, metas)
    segmentor.test_cfg.flip = False
    expected = 0.5 * (torch.sigmoid(plain) + torch.sigmoid(mirrored))
    torch.testing.assert_close(torch.sigmoid(both), expected, atol=2e-6, rtol=0)
    assert (torch.sigmoid(plain) - expected).abs().max() > 1e-3  # the flipped pass matters


def _frames(tmp_path):
    """Two frames: a bright disk on the left (frame k) or on the right (frame k + 1)."""
    import cv2
    yy, xx = np.mgrid[:40, :48]
    paths = []
    for name, cx in (('a.png', 14), ('b.png', 34)):
        img = np.full((40, 48, 3), 30, np.uint8)
        img[(yy - 20) ** 2 + (xx - cx) ** 2 < 9 ** 2] = 220
        cv2.imwrite(str(tmp_path / name), img)
        paths.append(str(tmp_path / name))
    return paths


def test_crf_switch_refines_on_the_evaluated_frame(segmentor, tmp_path):
    from hgpu.crf import davis_crf
    from mmseg.structures import SegDataSample
    a, b = _frames(tmp_path)
    rng = np.random.default_rng(0)
    prob = np.clip(0.5 + rng.normal(0, 0.3, (40, 48)), 0.01, 0.99)  # noise: no object
    logit = torch.logit(torch.from_numpy(prob).float())[None, None]

    def run(crf, pair_index):
        segmentor.test_cfg.crf = crf
        sample = SegDataSample(metainfo=dict(img_shape=(40, 48), ori_shape=(40, 48),
                                             img_path=a, img2_path=b, pair_index=pair_index))
        out = segmentor.postprocess_result(logit.clone(), [sample])[0]
        segmentor.test_cfg.crf = False
        return out.pred_sem_seg.data[0].numpy(), out.seg_logits.data[0].numpy()

    thresholded, p = run(False, 0)
    np.testing.assert_allclose(p, prob, atol=1e-5)  # seg_logits hold the probability
    np.testing.assert_array_equal(thresholded, prob > 0.5)
    import mmcv
    for pair_index, path in ((0, a), (1, b)):
        refined, _ = run(True, pair_index)
        expected = davis_crf(mmcv.imread(path, channel_order='rgb'), p)
        np.testing.assert_array_equal(refined, expected)
        assert (refined != thresholded).mean() > 0.05  # the CRF, not the threshold
    # the two frames give two masks, so the equalities above say which frame each one read
    assert (run(True, 0)[0] != run(True, 1)[0]).any()


def test_tta_merge_averages_probabilities_then_crf(segmentor, tmp_path):
    from hgpu.models.segmentor import HGPUTTAModel
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    a, b = _frames(tmp_path)
    tta = HGPUTTAModel(module=segmentor)

    def views(*probs):
        out = []
        for p in probs:
            s = SegDataSample(metainfo=dict(img_path=a, img2_path=b, pair_index=0))
            s.seg_logits = PixelData(data=p.clone())
            out.append(s)
        return out

    merged = tta.merge_preds([views(torch.full((1, 40, 48), 0.3),
                                    torch.full((1, 40, 48), 0.9))])[0]
    torch.testing.assert_close(merged.seg_logits.data, torch.full((1, 40, 48), 0.6))
    assert merged.pred_sem_seg.data.all()  # 0.6 > 0.5 (the mean, not a second sigmoid)
    merged = tta.merge_preds([views(torch.full((1, 40, 48), 0.3),
                                    torch.full((1, 40, 48), 0.5))])[0]
    assert not merged.pred_sem_seg.data.any()  # mean 0.4
    segmentor.test_cfg.crf = True
    try:
        left = torch.from_numpy(np.where(np.arange(48) < 24, 0.8, 0.2)).float().expand(1, 40, 48)
        top = torch.from_numpy(np.where(np.arange(40) < 20, 0.9, 0.1)).float()[:, None]
        top = top.expand(1, 40, 48)
        import mmcv
        from hgpu.crf import davis_crf
        got = tta.merge_preds([views(left, top)])[0].pred_sem_seg.data[0].numpy()
        frame = mmcv.imread(a, channel_order='rgb')
        expected = davis_crf(frame, (0.5 * (left + top))[0].numpy())
        np.testing.assert_array_equal(got, expected)  # the CRF of the mean probability
        assert (got != davis_crf(frame, left[0].numpy())).any()
        assert (got != davis_crf(frame, top[0].numpy())).any()
    finally:
        segmentor.test_cfg.crf = False


def test_missing_benchmark_root_names_the_variable_and_the_tree(tmp_path, monkeypatch):
    from hgpu.paper import check_data
    monkeypatch.setenv('YTOBJ_ROOT', str(tmp_path / 'nowhere'))
    with pytest.raises(FileNotFoundError, match=r'(?s)YTOBJ_ROOT.*Expected:.*JPEGImages'):
        check_data(str(tmp_path), 'youtube_objects')
    monkeypatch.setenv('DAVIS17_ROOT', str(tmp_path))
    os.makedirs(tmp_path / 'JPEGImages/480p')
    with pytest.raises(FileNotFoundError, match='Annotations_unsupervised'):
        check_data(str(tmp_path), 'davis17')
