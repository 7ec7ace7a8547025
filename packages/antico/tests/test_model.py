"""AntiCo composed with the shared losses by config alone, the official optimiser groups, the
multi-similarity variant, the proxy picture, the converter and the data errors."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIGS = osp.join(REPO, 'configs', 'antico')
SYNTHETIC = osp.join(CONFIGS, 'antico_r18-tiny_synthetic.py')


def _build(cfg_model):
    import antico  # noqa: F401  (registers)
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg_model)


def _tiny(cfg):
    """A paper config's head and losses on the synthetic config's small network."""
    model = Config.fromfile(SYNTHETIC).model
    model.head.loss = cfg.model.head.loss
    for key in ('proxy_init', 'proxy_std'):
        if key in cfg.model.head:
            model.head[key] = cfg.model.head[key]
    return _build(model)


def test_config_composes_proxy_anchor_and_antico_on_shared_proxies():
    """The CUB config's head = 0.0035 * ProxyAnchorLoss(64, 0.1) + 1 * AntiCoLoss(batch_proxy),
    both on the head's one proxy tensor; the loss dict equals the two terms computed by hand."""
    from antico.models import AntiCoLoss
    from cvshared.retrieval import ProxyAnchorLoss
    model = _tiny(Config.fromfile(osp.join(CONFIGS, 'antico_r50_100e_cub.py')))
    assert model.head.proxies.shape == (8, 64)
    std = float(model.head.proxies.std())
    assert 0.09 < std < 0.16    # the official randn / 8 init (8 x 64 draws)
    gen = torch.Generator().manual_seed(0)
    emb = torch.nn.functional.normalize(torch.randn(8, 64, generator=gen), dim=1)
    labels = torch.tensor([0, 0, 3, 3, 5, 5, 6, 6])
    out = model.head.loss_by_labels(emb, labels)
    assert set(out) == {'loss_proxy_anchor', 'loss_anti_collapse'}
    p = model.head.proxies
    torch.testing.assert_close(out['loss_proxy_anchor'],
                               0.0035 * ProxyAnchorLoss(alpha=64, delta=0.1)(emb, labels, p))
    torch.testing.assert_close(out['loss_anti_collapse'],
                               AntiCoLoss(mode='batch_proxy')(emb, labels, p))
    sum(out.values()).backward()
    assert float(p.grad[[1, 2, 4, 7]].abs().max()) > 0   # PA's negatives reach absent proxies


def test_optimizer_gives_the_proxies_2000x_lr_and_no_decay():
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(osp.join(CONFIGS, 'antico_r50_100e_cub.py'))
    model = _tiny(cfg)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    groups = [g for g in wrapper.optimizer.param_groups
              if any(q is model.head.proxies for q in g['params'])]
    assert groups[0]['lr'] == pytest.approx(2e-2) and groups[0]['weight_decay'] == 0
    assert type(wrapper.optimizer).__name__ == 'Adam'
    assert all(g['weight_decay'] == pytest.approx(4e-4) and g['lr'] == pytest.approx(1e-5)
               for g in wrapper.optimizer.param_groups if g is not groups[0] and g['params'])


def test_paper_configs_follow_the_official_commands():
    expected = {'antico_r50_100e_cub.py': (100, [100], 0.5, 100),
                'antico_r50_300e_cars196.py': (300, [100], 0.5, 98),
                'antico_r50_400e_sop.py': (400, [190, 250], 0.2, 11318)}
    for name, (epochs, milestones, gamma, classes) in expected.items():
        cfg = Config.fromfile(osp.join(CONFIGS, name))
        assert (cfg.train_cfg.max_epochs, cfg.param_scheduler.milestones,
                cfg.param_scheduler.gamma, cfg.model.head.num_classes) == \
            (epochs, milestones, gamma, classes), name
        assert cfg.train_dataloader.sampler.m == 2 and cfg.train_dataloader.batch_size == 90
        weights = [loss.loss_weight for loss in cfg.model.head.loss]
        assert weights == [0.0035, 1.0] and cfg.model.head.loss[1].mode == 'batch_proxy'


def test_multi_similarity_variant_trains_with_antico_on_the_embeddings():
    model = _tiny(Config.fromfile(osp.join(CONFIGS, 'antico-ms_r50_100e_cub.py')))
    assert model.head.proxies is None         # neither MS nor the pair mode needs proxies
    gen = torch.Generator().manual_seed(1)
    emb = torch.nn.functional.normalize(torch.randn(8, 64, generator=gen), dim=1)
    emb.requires_grad_(True)
    out = model.head.loss_by_labels(emb, torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]))
    assert set(out) == {'loss_multi_similarity', 'loss_anti_collapse'}
    grad_ac, = torch.autograd.grad(out['loss_anti_collapse'], emb, retain_graph=True)
    grad_ms, = torch.autograd.grad(out['loss_multi_similarity'], emb)
    assert float(grad_ac.abs().max()) > 0 and float(grad_ms.abs().max()) > 0


def test_draw_sample_shows_proxy_similarity():
    from antico.hooks import draw_sample
    orthogonal = draw_sample(torch.eye(4, 8), cell=2)
    assert orthogonal.shape == (8, 8, 3)
    assert (orthogonal[0, 0] == 255).all() and (orthogonal[0, 2] == 0).all()
    collapsed = draw_sample(torch.ones(4, 8), cell=2)
    assert (collapsed == 255).all()
    with pytest.raises(ValueError, match=r'\(C, D\)'):
        draw_sample(np.zeros(5))


def test_convert_official_names_round_trip():
    from antico.convert import convert, to_official
    model = _build(Config.fromfile(SYNTHETIC).model)
    official = to_official(model.state_dict())
    assert 'model.last_linear.weight' in official and 'model.layer1.0.conv1.weight' in official
    ours = convert({'state_dict': {'module.' + k: v for k, v in official.items()}},
                   proxies=model.head.proxies.detach())
    model.load_state_dict(ours, strict=True)
    with pytest.raises(KeyError, match='BN-Inception'):
        convert({'model.conv1_7x7_s2.weight': torch.zeros(1)})


def test_missing_data_set_shows_the_expected_tree(tmp_path):
    from antico.paper import SPEC
    with pytest.raises(FileNotFoundError, match='images.txt'):
        SPEC.check_data(str(tmp_path / 'none'), 'cub')


def test_inferencer_embeds_with_the_checkpoint_and_draws_its_proxies(tmp_path):
    import glob

    import mmcv
    from antico.infer import INFERENCER
    from antico.models import coding_rate
    from antico.paper import make_synthetic
    from PIL import Image
    make_synthetic(str(tmp_path / 'data'))
    images = sorted(glob.glob(str(tmp_path / 'data' / 'images' / '*' / '*.jpg')))[:12:4]
    model = _build(Config.fromfile(SYNTHETIC).model).eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    inferencer = INFERENCER(SYNTHETIC, str(tmp_path / 'model.pth'))
    payload = inferencer(images, out_dir=str(tmp_path / 'o'))
    emb = torch.tensor([r['embedding'] for r in payload['results']])
    with torch.no_grad():   # LoadImageFromFile reads BGR, the preprocessor flips it
        x = [torch.from_numpy(mmcv.imread(i)).permute(2, 0, 1) for i in images]
        expected = model.embed(model.data_preprocessor(dict(inputs=x))['inputs'])
    torch.testing.assert_close(emb, expected, atol=1e-5, rtol=0)
    assert payload['coding_rate'] == pytest.approx(float(coding_rate(expected)), rel=1e-5)
    picture = np.asarray(Image.open(payload['results'][0]['files'][0]))
    from antico.hooks import draw_sample
    assert (picture == draw_sample(model.head.proxies.detach())).all()
    assert payload['results'][1]['files'] == []     # one proxy picture per call


def test_sweep_setting_names_give_the_synthetic_config_and_its_twin():
    """The ablation tool's `pa64_w0.0035+bp` is the synthetic config's own loss list (the
    README's sweep really ran the shipped recipe), its twin is that list minus AntiCo, and the
    name's numbers reach the losses."""
    import importlib.util
    path = osp.join(REPO, 'packages', 'antico', 'tools', 'sweep_synthetic.py')
    spec = importlib.util.spec_from_file_location('antico_sweep_synthetic', path)
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    shipped = [dict(loss) for loss in Config.fromfile(SYNTHETIC).model.head.loss]
    assert sweep.losses_of('pa64_w0.0035+bp') == shipped
    assert sweep.losses_of('pa64_w0.0035') == shipped[:1]
    pair = sweep.losses_of('pa32_w1+pair_g0.03_w2')
    assert pair[0]['alpha'] == 32 and pair[0]['loss_weight'] == 1
    assert (pair[1]['mode'], pair[1]['gamma2'], pair[1]['loss_weight']) == ('pair', 0.03, 2)
    assert sweep.losses_of('pa64_w1+bp_std')[1]['scale'] == 'standard'
    with pytest.raises(ValueError, match='unknown setting'):
        sweep.losses_of('pa64+bp')
