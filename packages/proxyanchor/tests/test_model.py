"""The official training recipe as OpenMMLab pieces (warm-up hook, proxies' learning rate, grad
clipping), the converter, the retrieval grid, the inferencer and the data errors."""
import glob
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTHETIC = osp.join(REPO, 'configs', 'proxyanchor', 'proxyanchor_r18-tiny_synthetic.py')
CUB = osp.join(REPO, 'configs', 'proxyanchor', 'proxyanchor_r50_60e_cub.py')


def _build(cfg_model):
    import proxyanchor  # noqa: F401  (registers)
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg_model)


def _synthetic_model():
    return _build(Config.fromfile(SYNTHETIC).model)


def test_warmup_freezes_all_but_the_embedding_and_proxies_then_restores():
    from proxyanchor.hooks import BackboneWarmupHook
    model = _synthetic_model()
    hook = BackboneWarmupHook(warm_epochs=2)
    logger = SimpleNamespace(info=lambda *a: None)
    runner = SimpleNamespace(model=model, epoch=0, logger=logger)
    before = {n: p.requires_grad for n, p in model.named_parameters()}
    hook.before_train_epoch(runner)
    trainable = sorted(n for n, p in model.named_parameters() if p.requires_grad)
    assert trainable == ['head.proxies', 'image_encoder.1.embedding.bias',
                         'image_encoder.1.embedding.weight']
    runner.epoch = 1
    hook.before_train_epoch(runner)             # still warming up: stays frozen
    assert not model.image_encoder[0].conv1.weight.requires_grad
    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert {n: p.requires_grad for n, p in model.named_parameters()} == before


def test_warmup_keeps_parameters_the_config_froze():
    """Frozen BatchNorm affine parameters (norm_cfg requires_grad=False) stay frozen after the
    warm-up: the hook gives back only what it took."""
    from proxyanchor.hooks import BackboneWarmupHook
    cfg = Config.fromfile(CUB).model     # its BatchNorm settings on a ResNet-18 (faster)
    cfg.image_encoder[0].update(depth=18, init_cfg=None)
    cfg.image_encoder[1].in_channels = 512
    model = _build(cfg)
    frozen_bn = sorted(n for n, p in model.named_parameters() if not p.requires_grad)
    assert frozen_bn and all('bn' in n or 'norm' in n or 'downsample.1' in n for n in frozen_bn)
    hook = BackboneWarmupHook(warm_epochs=1)
    hook.freeze(model)
    hook.unfreeze(model)
    assert sorted(n for n, p in model.named_parameters() if not p.requires_grad) == frozen_bn


def test_warmup_refuses_prefixes_that_match_nothing():
    from proxyanchor.hooks import BackboneWarmupHook
    with pytest.raises(ValueError, match='freeze the whole model'):
        BackboneWarmupHook(trainable=('neck.',)).freeze(_synthetic_model())
    with pytest.raises(ValueError, match='warm_epochs'):
        BackboneWarmupHook(warm_epochs=-1)


def test_optimizer_from_the_config_gives_proxies_100x_lr_and_clips_values():
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(CUB)
    model = _synthetic_model()
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    proxies = model.head.proxies
    groups = [g for g in wrapper.optimizer.param_groups if any(p is proxies for p in g['params'])]
    assert len(groups) == 1 and groups[0]['lr'] == pytest.approx(1e-2)   # 1e-4 x 100
    assert groups[0]['weight_decay'] == pytest.approx(1e-4)   # official: decay on proxies too
    assert type(wrapper.optimizer).__name__ == 'AdamW'
    others = [g for g in wrapper.optimizer.param_groups if g is not groups[0] and g['params']]
    assert all(g['lr'] == pytest.approx(1e-4) for g in others)
    proxies.grad = torch.full_like(proxies, 50.0)
    wrapper._clip_grad()
    assert float(proxies.grad.max()) == 10.0      # clip_grad_value_(10)


def test_paper_configs_follow_the_official_commands():
    cfgs = {name: Config.fromfile(osp.join(REPO, 'configs', 'proxyanchor',
                                           f'proxyanchor_r50_60e_{name}.py'))
            for name in ('cub', 'cars196', 'sop', 'inshop')}
    # (step, gamma, lr, batch, warm, bn frozen, classes)
    expected = {'cub': (5, 0.5, 1e-4, 120, 5, True, 100),
                'cars196': (10, 0.5, 1e-4, 120, 5, True, 98),
                'sop': (20, 0.25, 6e-4, 180, 1, False, 11318),
                'inshop': (20, 0.25, 6e-4, 180, 1, False, 3997)}
    for name, cfg in cfgs.items():
        got = (cfg.param_scheduler.step_size, cfg.param_scheduler.gamma,
               cfg.optim_wrapper.optimizer.lr, cfg.train_dataloader.batch_size,
               cfg.custom_hooks[0].warm_epochs, cfg.model.image_encoder[0].norm_eval,
               cfg.model.head.num_classes)
        assert got == expected[name], name
        assert cfg.train_cfg.max_epochs == 60 and cfg.model.image_encoder[1].pooling == 'avg+max'
        assert cfg.train_dataloader.sampler.type == 'DefaultSampler'


def test_draw_sample_frames_right_and_wrong_neighbours():
    from proxyanchor.hooks import draw_sample
    query = np.zeros((20, 30, 3), np.uint8)
    out = draw_sample(query, [query, query, query], 3, [3, 1, 3], size=16, border=2, gap=4)
    assert out.shape == (16, 4 * 16 + 3 * 4, 3)
    corners = [tuple(out[0, k * 20]) for k in range(4)]
    assert corners == [(40, 90, 220), (0, 200, 0), (220, 0, 0), (0, 200, 0)]
    assert (out[8, 8] == 0).all() and (out[8, 17] == 255).all()   # interior, white gap
    assert tuple(draw_sample(query, [query])[0, 100]) == (128, 128, 128)   # no labels: grey
    with pytest.raises(ValueError, match='2 neighbours but 1 labels'):
        draw_sample(query, [query, query], 0, [0])


def test_nearest_neighbours_leave_the_query_out_and_refuse_a_large_k():
    from proxyanchor.hooks import nearest_neighbours
    emb = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    assert nearest_neighbours(emb, emb, 2, [0, 1, 2, 3]).tolist() == [[1, 3], [0, 3], [3, 1],
                                                                      [2, 1]]
    with pytest.raises(ValueError, match='only 3 other images'):
        nearest_neighbours(emb, emb, 4, [0, 1, 2, 3])


def _torchvision_resnet18_official_style(dim: int, seed: int):
    """The official ``net/resnet.py::Resnet18`` written out with torchvision (no official code):
    resnet18 under ``model``, GAP + GMP summed, ``model.embedding``, the official l2_norm."""
    import torchvision
    torch.manual_seed(seed)
    net = torchvision.models.resnet18()
    net.embedding = torch.nn.Linear(512, dim)
    gen = torch.Generator().manual_seed(seed)
    for m in net.modules():   # non-trivial BatchNorm statistics, so every BN matters
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1, generator=gen)
            m.running_var.uniform_(0.5, 1.5, generator=gen)
    net.eval()

    def forward(x):
        for name in ('conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4'):
            x = getattr(net, name)(x)
        x = (torch.nn.functional.adaptive_avg_pool2d(x, 1)
             + torch.nn.functional.adaptive_max_pool2d(x, 1)).flatten(1)
        x = net.embedding(x)
        return x / torch.sqrt((x ** 2).sum(1, keepdim=True) + 1e-12)
    return {'model.' + k: v for k, v in net.state_dict().items()}, forward


def test_converted_official_resnet_gives_the_same_embedding():
    from proxyanchor.convert import convert, to_official
    official, official_forward = _torchvision_resnet18_official_style(dim=32, seed=0)
    cfg = Config.fromfile(SYNTHETIC).model
    cfg.image_encoder = [dict(type='ResNet', depth=18, out_indices=(3, ), norm_eval=True),
                         dict(type='EmbeddingNeck', in_channels=512, out_channels=32)]
    cfg.head.embed_dim = 32
    model = _build(cfg).eval()
    missing, unexpected = model.load_state_dict(convert({'model_state_dict': official}),
                                                strict=False)
    assert missing == ['head.proxies'] and unexpected == []   # proxies are not saved officially
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ours, theirs = model.embed(x), official_forward(x)
    # float32 through 18 layers: 1e-5 of unit vectors; a wrong BN name or pooling is > 1e-2
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)
    back = to_official(model.state_dict())
    assert set(back) == set(official) - {k for k in official if k.startswith('model.fc.')}
    with pytest.raises(KeyError, match='BN-Inception'):
        convert({'model.conv1_7x7_s2.weight': torch.zeros(1)})


def test_inferencer_embeds_and_draws_neighbour_grids(tmp_path):
    from proxyanchor.infer import INFERENCER
    from proxyanchor.paper import make_synthetic
    make_synthetic(str(tmp_path / 'data'))
    images = sorted(glob.glob(str(tmp_path / 'data' / 'images' / '*' / '*.jpg')))[:16:4]
    model = _synthetic_model().eval()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'model.pth')
    inferencer = INFERENCER(SYNTHETIC, str(tmp_path / 'model.pth'))
    payload = inferencer(images, out_dir=str(tmp_path / 'o'))
    embeddings = torch.tensor([r['embedding'] for r in payload['results']])
    with torch.no_grad():
        import mmcv  # the pipeline's LoadImageFromFile reads BGR; the preprocessor flips it
        x = torch.stack([torch.from_numpy(mmcv.imread(i)).permute(2, 0, 1) for i in images])
        expected = model.embed(model.data_preprocessor(dict(inputs=list(x)))['inputs'])
    torch.testing.assert_close(embeddings, expected, atol=1e-5, rtol=0)   # the checkpoint's weights
    sim = embeddings @ embeddings.T
    first = payload['results'][0]['neighbours']
    assert len(first) == 3 and 0 not in first and sim[0, first[0]] >= sim[0, first[1]]
    drawing = np.asarray(Image.open(payload['results'][0]['files'][0]))
    assert drawing.shape == (96, 4 * 100 - 4, 3) and tuple(drawing[0, 100]) == (128, 128, 128)


def test_missing_data_set_shows_the_expected_tree(tmp_path):
    from proxyanchor.paper import SPEC
    with pytest.raises(FileNotFoundError, match='images.txt'):
        SPEC.check_data(str(tmp_path / 'none'), 'cub')
    with pytest.raises(FileNotFoundError, match='Ebay_train.txt'):
        SPEC.check_data(str(tmp_path), 'sop')
