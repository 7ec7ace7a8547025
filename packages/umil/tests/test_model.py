"""The recognizer's stages and the two optimisers: shapes, what the UMIL step updates (both
heads by default; nothing with umil_params='official', as the released code), the history
lookup, inference scores."""
import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement

B, K, T, S = 2, 4, 3, 16


def _model():
    from umil.models import UMILRecognizer
    with DefaultScope.overwrite_default_scope('mmaction'):
        return UMILRecognizer(backbone=dict(type='UMILStandIn', embed_dim=16, channels=8),
                              clip_len=T)


def _wrappers(model, umil_params):
    from umil.engine import UMILOptimWrapperConstructor
    adamw = dict(type='AdamW', lr=1e-2, betas=(0.9, 0.98), weight_decay=1e-3)
    return UMILOptimWrapperConstructor(dict(mil=dict(optimizer=adamw),
                                            umil=dict(optimizer=adamw),
                                            umil_params=umil_params))(model)


def _batch(labels, views=True):
    g = torch.Generator().manual_seed(0)
    shape = (2, K, T, 3, S, S) if views else (K, T, 3, S, S)
    inputs = [torch.randint(0, 256, shape, generator=g, dtype=torch.uint8) for _ in labels]
    samples = [BaseDataElement(label=lab, sample_idx=i, total_frames=60,
                               frame_inds=np.arange(K * T) * 4, gt_frame_label=np.zeros(60))
               for i, lab in enumerate(labels)]
    return dict(inputs=inputs, data_samples=samples)


def _split_state(model, confident_value=False):
    from umil.split import ScoreHistory
    history = ScoreHistory([K, K], max_epochs=2)
    conf = np.full(2 * K, confident_value)
    model.split_state = (history, np.zeros(2 * K, np.int64), conf)


def test_mil_step_returns_the_weighted_terms_and_updates_everything():
    model = _model()
    wrappers = _wrappers(model, ('head_video', 'u_head_video'))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log = model.train_step(_batch([1, 0]), wrappers)
    assert set(log) >= {'loss', 'loss_mil', 'loss_mar', 'loss_con', 'loss_con_c', 'loss_clu',
                        'loss_smooth', 'loss_sparse'}
    moved = [n for n, p in model.named_parameters() if not torch.equal(p, before[n])]
    assert 'backbone.head_video.weight' in moved and 'backbone.frame.0.weight' in moved


@pytest.mark.parametrize('umil_params', [('head_video', 'u_head_video'), 'official'])
def test_umil_step_updates_both_heads_or_nothing(umil_params):
    model = _model()
    wrappers = _wrappers(model, umil_params)
    _split_state(model)
    model.stage = 'umil'
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log = model.train_step(_batch([3, 0]), wrappers)
    assert log['umil_loss_clu'] > 0 and log['umil_loss_compat'] > 0
    moved = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    if umil_params == 'official':
        assert moved == set()          # the released filter matches no parameter
        ids = {id(p) for p in model.parameters()}   # (mmengine adds a dummy base-lr group)
        assert not any(id(p) in ids for g in wrappers['umil'].param_groups for p in g['params'])
    else:
        assert moved == {'backbone.head_video.weight', 'backbone.head_video.bias',
                         'backbone.u_head_video.weight', 'backbone.u_head_video.bias'}


def test_umil_step_skips_normal_batches_and_confident_snippets():
    model = _model()
    wrappers = _wrappers(model, ('head_video', 'u_head_video'))
    model.stage = 'umil'
    _split_state(model)
    assert model.train_step(_batch([0, 0]), wrappers) == {}
    _split_state(model, confident_value=True)
    assert model.train_step(_batch([2, 0]), wrappers) == {}
    with pytest.raises(ValueError, match="umil_params"):
        _wrappers(model, ())
    with pytest.raises(ValueError, match='match no parameter'):
        _wrappers(model, ('no_such_head',))


def test_predict_scores_are_the_anomaly_probability():
    model = _model().eval()
    batch = _batch([1, 0], views=False)
    data = model.data_preprocessor(batch, False)
    out = model.predict(data['inputs'], data['data_samples'])
    with torch.no_grad():
        y = model.backbone(data['inputs'][0])['y']
    assert out[0]['pred_score'].shape == (K,)
    assert torch.allclose(out[0]['pred_score'], y.softmax(-1)[:, 1])
    with pytest.raises(ValueError, match='2 views'):
        model.loss(data['inputs'], data['data_samples'])


def test_the_stages_run_on_the_real_xclip_model():
    """The tiny UMILXCLIP (tests/test_backbone.py's size, T = 3): one MIL step moves the whole
    visual side, one UMIL step exactly the two heads."""
    from umil.models import UMILRecognizer
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = UMILRecognizer(
            backbone=dict(type='UMILXCLIP', embed_dim=64, image_size=16, patch_size=8,
                          vision_width=64, vision_layers=1, text_width=64, text_layers=1,
                          num_frames=T), clip_len=T)
    wrappers = _wrappers(model, ('head_video', 'u_head_video'))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log = model.train_step(_batch([1, 0]), wrappers)
    assert log['loss'] > 0
    moved = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert 'backbone.head_video.weight' in moved and len(moved) > 10
    _split_state(model)
    model.stage = 'umil'
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log = model.train_step(_batch([3, 0]), wrappers)
    assert set(log) >= {'umil_loss_clu', 'umil_loss_compat'}
    moved = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    # the biases get no weight decay: they move only through a non-zero gradient
    assert moved == {'backbone.head_video.weight', 'backbone.head_video.bias',
                     'backbone.u_head_video.weight', 'backbone.u_head_video.bias'}
    model.eval()   # inference: eval-mode outputs (feature_t [N, 2, D]) through predict
    out = model.test_step(_batch([0, 1], views=False))
    with torch.no_grad():
        y = model.backbone(model.data_preprocessor(_batch([0], views=False))['inputs'][0])['y']
    assert torch.allclose(out[0]['pred_score'], y.softmax(-1)[:, 1], atol=1e-6)


def test_the_tiny_xclip_synthetic_config_builds_the_real_model():
    """configs/umil/umil_xclip-tiny_6e_synthetic.py (README, Results: measured, not the learning
    test's config) builds UMILXCLIP, not the stand-in, for its 5-frame 32 x 32 clips."""
    import os.path as osp

    from mmengine.config import Config
    from umil.models.backbone import UMILXCLIP
    from umil.registry import MODELS
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    cfg = Config.fromfile(osp.join(repo, 'configs', 'umil', 'umil_xclip-tiny_6e_synthetic.py'))
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg.model)
    assert type(model.backbone) is UMILXCLIP
    assert model.backbone.num_frames == cfg.train_pipeline[0]['clip_len'] == 5
    model.eval()
    with torch.no_grad():
        out = model.backbone(torch.randn(2, 5, 3, cfg.size, cfg.size))
    assert out['y'].shape == (2, 2) and out['feature_t'].shape == (2, 2, 64)


@pytest.mark.parametrize('isolate', [True, False])
def test_isolate_umil_rng_restores_the_global_streams_after_the_umil_pass(isolate):
    """``UMILTrainLoop(isolate_umil_rng=True)``: the MIL epochs after a UMIL pass draw what
    they would have drawn without it (the two-run comparison, README, Results)."""
    import random
    from types import SimpleNamespace

    import torch.nn as nn
    from umil.engine import UMILTrainLoop

    model = nn.Linear(1, 1)
    model.stage, model.split_state = 'mil', object()
    runner = SimpleNamespace(model=model, call_hook=lambda *a, **k: None)
    loop = UMILTrainLoop.__new__(UMILTrainLoop)
    loop._runner, loop.dataloader, loop._epoch = runner, [], 0
    loop.history_start, loop.umil_epoch = 10, 0          # no scoring pass; a UMIL pass
    loop.validate_umil_step, loop.isolate_umil_rng = False, isolate
    loop.umil_epoch_pass = lambda: (random.random(), np.random.rand(), torch.rand(1))
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    loop.run_epoch()
    after = (random.random(), np.random.rand(), float(torch.rand(1)))
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    untouched = (random.random(), np.random.rand(), float(torch.rand(1)))
    assert (after == untouched) == isolate
    assert loop._epoch == 1
