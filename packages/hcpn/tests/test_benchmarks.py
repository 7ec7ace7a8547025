"""The evaluation configs of the paper's main table (DAVIS-16 val, YouTube-Objects, FBMS,
DAVIS-17 unsupervised) build and run on tiny fixture trees, scoring exactly the frames the
official test writes and the benchmark annotates; the segmentor predicts the frame a sample
names (m1 of pair t, m2 of the last pair for the last frame)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SMALL = dict(type='ResNet', depth=18, base_channels=8, stem_channels=8, zero_init_residual=False)


@pytest.fixture(autouse=True)
def _mmseg_scope():
    init_default_scope('mmseg')
    torch.manual_seed(0)


def _model(**kwargs):
    from hcpn.models import HCPN
    model = HCPN(encoder=dict(type='HCPNEncoder', backbone=SMALL),
                 decoder=dict(type='HCPNDecoder', mdim=16), **kwargs)
    for m in model.modules():  # the official N(0, 0.001) decoder init gives 0.5 everywhere
        if isinstance(m, torch.nn.Conv2d):
            m.reset_parameters()
    return model.eval()


def test_predict_follows_pair_index():
    """pair_index 0 -> m1 (frame k), 1 -> m2 (frame k+1, the last frame of a video), per sample
    of a mixed batch, flip-averaged like the official test; the CRF frame follows."""
    from mmseg.structures import SegDataSample
    model = _model(flip_test=True)
    x = torch.randn(2, 9, 64, 64)
    samples = [SegDataSample(metainfo=dict(ori_shape=(64, 64), img_shape=(64, 64),
                                           pair_index=i)) for i in (1, 0)]
    with torch.no_grad():
        out = model.predict(x, samples)
        m1, c1, m2, c2 = model._forward(x)
        f = [t.flip(-1) for t in model._forward(x.flip(-1))]
    torch.testing.assert_close(out[0].seg_logits.data[1], 0.5 * (m2 + f[2])[0, 0],
                               rtol=0, atol=1e-6)
    torch.testing.assert_close(out[1].seg_logits.data[1], 0.5 * (m1 + f[0])[1, 0],
                               rtol=0, atol=1e-6)
    torch.testing.assert_close(out[0].pred_contour.data[0], c2[0, 0], rtol=0, atol=1e-6)
    torch.testing.assert_close(out[1].pred_contour.data[0], c1[1, 0], rtol=0, atol=1e-6)
    assert (m1 - m2).abs().max() > 1e-3  # the two outputs differ, so the choice is seen
    with pytest.raises(ValueError, match='pair_index'):
        model.test_outputs(x, [0, 2])


def test_crf_refines_on_the_frame_the_sample_predicts(tmp_path, monkeypatch):
    """The last frame of a video (pair_index 1) is refined on frame k+1 (img2_path)."""
    import hcpn.models.segmentor as segmentor
    import mmcv
    import numpy as np
    from mmseg.structures import SegDataSample
    rng = np.random.default_rng(0)
    frames = [(rng.random((40, 48, 3)) * 255).astype(np.uint8) for _ in range(2)]
    for name, frame in zip(('k', 'k1'), frames):
        mmcv.imwrite(frame[..., ::-1], str(tmp_path / f'{name}.png'))
    seen = []

    def crf(image, prob, **kwargs):
        seen.append(image)
        return prob > 0.5

    monkeypatch.setattr(segmentor, 'davis_crf', crf)
    model = _model(flip_test=False, crf=True)
    meta = dict(ori_shape=(40, 48), img_shape=(64, 64), img_path=str(tmp_path / 'k.png'),
                img2_path=str(tmp_path / 'k1.png'))
    samples = [SegDataSample(metainfo=dict(meta, pair_index=i)) for i in (1, 0)]
    with torch.no_grad():
        model.predict(torch.randn(2, 9, 64, 64), samples)
    assert len(seen) == 2
    assert np.array_equal(seen[0], frames[1]) and np.array_equal(seen[1], frames[0])
    with pytest.raises(KeyError, match='img2_path'):
        model.predict(torch.randn(1, 9, 64, 64), [SegDataSample(metainfo=dict(
            ori_shape=(40, 48), pair_index=1, img_path=str(tmp_path / 'k.png')))])


def _small_test_cfg(config: str, env: dict, monkeypatch) -> Config:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.model.encoder.backbone = SMALL
    cfg.model.decoder.mdim = 16
    cfg.model.data_preprocessor.size = (64, 64)
    cfg.model.flip_test = False
    cfg.load_from = None
    cfg.train_dataloader = cfg.train_cfg = cfg.optim_wrapper = cfg.param_scheduler = None
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    for t in cfg.test_dataloader.dataset.pipeline:
        if t.type == 'Resize':
            t.scale = (64, 64)
    cfg.default_hooks.visualization.draw = False
    return cfg


def _scored_frames(cfg, tmp_path, monkeypatch):
    """Run the test loop; return the metrics and ``{video: [frame indices scored]}``."""
    import cvshared.metrics.davis as davis_metrics
    from mmengine.runner import Runner
    seen = {}
    original = davis_metrics.summarize_sequences

    def spy(per_frame, ignore_first_last=True, group_depth=0):
        for seq, rows in per_frame.items():
            idx = sorted(r[0] for r in rows)
            seen[seq] = idx[1:-1] if ignore_first_last and len(idx) > 2 else idx
        return original(per_frame, ignore_first_last, group_depth)

    monkeypatch.setattr(davis_metrics, 'summarize_sequences', spy)
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    return metrics, seen, runner.test_dataloader.dataset


def test_davis16_val_scores_the_official_frames(tmp_path, monkeypatch):
    """DAVIS-16 val: one sample per frame (n per video; frame n-1 from m2 of pair n-2), the
    first and last frame dropped, so frames 1 .. n-2 are scored (the pair-based set scored
    1 .. n-3)."""
    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    root = str(tmp_path / 'davis')
    make_davis_synthetic(root, num_train=1, num_val=2, num_frames=5, size=(48, 56),
                         frame_pairs=True)
    cfg = _small_test_cfg('configs/hcpn/hcpn_r101_2xb5-25e_davis16-512x512.py',
                          {'DATA_ROOT': root}, monkeypatch)
    metrics, seen, data = _scored_frames(cfg, tmp_path, monkeypatch)
    assert len(data) == 10
    last = [data.get_data_info(i) for i in range(len(data))
            if data.get_data_info(i)['pair_index'] == 1]
    assert [(d['seq_name'], d['frame_index'], d['frame_name']) for d in last] == [
        ('synth-val-000', 4, '00003'), ('synth-val-001', 4, '00003')]
    assert seen == {'synth-val-000': [1, 2, 3], 'synth-val-001': [1, 2, 3]}
    assert set(metrics) >= {'davis/J&F-Mean', 'davis/J-Mean', 'davis/F-Mean'}


@pytest.mark.parametrize('benchmark', ['youtube_objects', 'fbms', 'davis17'])
def test_benchmark_config_runs_on_its_fixture_tree(benchmark, tmp_path, monkeypatch):
    """Each test benchmark's config reads its layout, scores every annotated frame (sparse:
    frames 1, 3 and the last, from m2 of the last pair; DAVIS-17: all, none dropped) and
    reports under its own prefix, with the paper's keys."""
    from hcpn.paper import BENCHMARKS, SPEC, make_benchmark_fixture
    bench = BENCHMARKS[benchmark]
    root = str(tmp_path / benchmark)
    annotated = make_benchmark_fixture(root, benchmark, num_frames=6)
    cfg = _small_test_cfg(bench['config'], {'DATA_ROOT': root}, monkeypatch)
    metrics, seen, _ = _scored_frames(cfg, tmp_path, monkeypatch)
    assert seen == {v: [int(s) for s in stems] for v, stems in annotated.items()}
    expected = [0, 1, 2, 3, 4, 5] if benchmark == 'davis17' else [1, 3, 5]
    assert all(idx == expected for idx in seen.values())
    assert set(bench['reported']) <= set(metrics)
    assert SPEC.reported_per_run[f'r101_{benchmark}'] == bench['reported']
    if benchmark == 'davis17':  # the DAVIS-2017 unsupervised evaluation and the union
        assert {'davis17/J&F-Mean', 'davis17/J-Decay', 'davis17_union/J-Mean'} <= set(metrics)
    if benchmark == 'youtube_objects':
        assert sorted({v.split('/')[0] for v in seen}) == ['car', 'dog']


def test_benchmark_run_checks_both_roots(tmp_path, monkeypatch):
    """A benchmark run tests at DATA_ROOT and trains on DAVIS_ROOT: a missing DAVIS_ROOT or
    DAVIS tree is named before anything runs; a complete pair of roots passes."""
    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    from hcpn.paper import check_data, make_benchmark_fixture
    bench = str(tmp_path / 'fbms')
    make_benchmark_fixture(bench, 'fbms', num_frames=4)
    monkeypatch.delenv('DAVIS_ROOT', raising=False)
    with pytest.raises(FileNotFoundError, match='DAVIS_ROOT'):
        check_data(bench, 'r101_fbms')
    with pytest.raises(FileNotFoundError, match='DATA_ROOT'):
        check_data(str(tmp_path / 'nowhere'), 'r101_fbms')
    davis = str(tmp_path / 'davis')
    monkeypatch.setenv('DAVIS_ROOT', davis)
    with pytest.raises(FileNotFoundError):
        check_data(bench, 'r101_fbms')
    make_davis_synthetic(davis, num_train=1, num_val=1, num_frames=3, size=(32, 32),
                         frame_pairs=True)
    check_data(bench, 'r101_fbms')
    with pytest.raises(FileNotFoundError):  # a DAVIS-16 run reads DAVIS at DATA_ROOT
        check_data(bench, 'r101_davis16')
