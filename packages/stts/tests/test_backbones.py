"""STTS backbones: official VideoSwin golden outputs through the converter, MViT v1 structure."""
import importlib.util
from pathlib import Path

import pytest
import stts  # noqa: F401
import torch
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope

DATA = Path(__file__).parent / 'data'
ROOT = Path(__file__).resolve().parents[3]


def load_converter():
    path = ROOT / 'tools' / 'model_converters' / 'stts_official_to_ours.py'
    spec = importlib.util.spec_from_file_location('stts_official_to_ours', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fill(shapes, buffers):
    """Deterministic weights by sorted official key (same rule as the golden script)."""
    out = {}
    for i, key in enumerate(sorted(shapes)):
        if key in buffers:  # integer buffers (relative_position_index) are rebuilt, not stored
            out[key] = buffers[key]
            continue
        r = torch.randn(shapes[key], generator=torch.Generator().manual_seed(i)) * 0.1
        parts = key.split('.')
        norm_weight = len(parts) >= 2 and 'norm' in parts[-2] and parts[-1] == 'weight'
        out[key] = 1 + r if norm_weight else r
    return out


def build_swin(cfg, **extra):
    init_default_scope('mmaction')
    return MODELS.build(dict(
        type='STTSSwinTransformer3D', pretrained2d=False,
        arch=dict(embed_dims=cfg['embed_dim'], depths=cfg['depths'], num_heads=cfg['num_heads']),
        patch_size=cfg['patch_size'], window_size=cfg['window_size'], drop_path_rate=0.0,
        out_indices=(len(cfg['depths']) - 1, ), num_frames=cfg['num_frames'],
        image_size=cfg['image_size'], time_pruning_loc=cfg['time_pruning_loc'],
        time_left_ratio=cfg['time_left_ratio'], sigma=cfg['sigma'], **extra))


def test_official_videoswin_golden_via_converter():
    """Official STTS VideoSwin weights -> converter -> ours reproduces its outputs."""
    gold = torch.load(DATA / 'official_swin_tiny.pt')
    ours = build_swin(gold['cfg'])
    own = ours.state_dict()
    buffers = {k: own[k] for k in own if 'relative_position_index' in k}
    official = fill(gold['keys'], buffers)
    conv = load_converter().convert(
        {'state_dict': {'backbone.' + k: v for k, v in official.items()}})
    ours.load_state_dict({k[len('backbone.'):]: v for k, v in conv.items()}, strict=True)
    x = torch.randn(2, 3, 16, 32, 32, generator=torch.Generator().manual_seed(0)) * 50
    ours.eval()
    with torch.no_grad():
        out = ours(x)
    # float32 through 4 transformer blocks, same ops in a different order: 1e-4
    torch.testing.assert_close(out, gold['out_eval'], atol=1e-4, rtol=1e-4)
    ours.train()
    torch.manual_seed(gold['seed'])
    with torch.no_grad():
        out = ours(x)
    torch.testing.assert_close(out, gold['out_train'], atol=1e-4, rtol=1e-4)


def test_converter_mvit_keys_and_errors():
    conv = load_converter()
    official = {'patch_embed.proj.weight': 0, 'cls_token': 1, 'pos_embed_class': 2,
                'blocks.3.attn.pool_q.weight': 3, 'norm.bias': 4, 'head.projection.weight': 5,
                'space_score_predictor.0.score_network.out_conv.4.bias': 6}
    ours = conv.convert({'model_state': official, 'epoch': 20})
    assert ours == {'backbone.patch_embed.projection.weight': 0, 'backbone.cls_token': 1,
                    'backbone.pos_embed_class': 2, 'backbone.blocks.3.attn.pool_q.weight': 3,
                    'backbone.norm3.bias': 4, 'cls_head.fc_cls.weight': 5,
                    'backbone.space_selectors.0.predictor.out_conv.4.bias': 6}
    with pytest.raises(KeyError, match='unexpected key'):
        conv.convert({'model_state': {'mystery.weight': 0}})
    with pytest.raises(KeyError, match='not an official STTS checkpoint'):
        conv.convert({'weights': {}})


def test_mvit_v1_structure_and_selection_sizes():
    """MViT-B 16x4 v1 with T^0_0.625-S^4_0.863 on a reduced 16 x 64 x 64 clip."""
    init_default_scope('mmaction')
    m = MODELS.build(dict(type='STTSMViT', spatial_size=64, temporal_size=16,
                          time_pruning_loc=[0], time_left_ratio=[0.625],
                          space_pruning_loc=[4], space_left_ratio=[0.75]))
    # 36.6 M parameters at 224 (the MViT-B v1 figure); at 64 px only pos_embed_spatial shrinks
    n = sum(p.numel() for p in m.parameters())
    assert abs(n - 36.6e6 + (56 * 56 - 16 * 16) * 96) < 0.1e6
    # q pooling only in the strided blocks (v1); LN eps of the pooling norms = 1e-5
    assert isinstance(m.blocks[0].attn.pool_q, torch.nn.Identity)
    assert isinstance(m.blocks[1].attn.pool_q, torch.nn.Conv3d)
    assert m.blocks[1].attn.norm_k.eps == 1e-5 and m.blocks[1].norm1.eps == 1e-6
    # K: 5 of 8 slices; block 4 sees 4 x 4 tokens: int(16 * 0.75) = 12 -> 3 x 3 anchor
    assert m.time_selectors[0].k == 5 and m.space_selectors[0].anchor_size == 3
    # forward / backward on a narrow 6-block variant (same code path, seconds instead of 30 s)
    small = MODELS.build(dict(
        type='STTSMViT', arch=dict(embed_dims=16, num_layers=6, num_heads=1,
                                   downscale_indices=[1, 3, 5]),
        spatial_size=64, temporal_size=16, time_pruning_loc=[0], time_left_ratio=[0.625],
        space_pruning_loc=[4], space_left_ratio=[0.75]))
    small.init_weights()
    small.eval()
    with torch.no_grad():
        (patch, cls), = small(torch.randn(1, 3, 16, 64, 64))
    # 8 -> 5 slices; 16 x 16 -> 8 x 8 (block 1) -> 4 x 4 (block 3) -> 3 x 3 anchor -> 2 x 2
    assert patch.shape == (1, 128, 5, 2, 2) and cls.shape == (1, 128)
    small.train()
    (patch, cls), = small(torch.randn(1, 3, 16, 64, 64))
    cls.sum().backward()
    assert small.time_selectors[0].predictor.in_conv[1].weight.grad is not None
    assert small.space_selectors[0].predictor.in_conv[1].weight.grad is not None
    with pytest.raises(ValueError, match='MViT v1'):
        MODELS.build(dict(type='STTSMViT', rel_pos_embed=True))


def test_official_mvit_v1_golden_via_converter():
    """Official STTS MViT (PySlowFast v1, reduced 6-block config with T^0 and S^4 selection)
    -> converter -> ours (mmaction2 MViT + v1 restorations) reproduces its class scores."""
    gold = torch.load(DATA / 'official_mvit_small.pt')
    init_default_scope('mmaction')
    model = MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='STTSMViT', arch=gold['arch'], spatial_size=gold['spatial_size'],
                      temporal_size=gold['temporal_size'], time_pruning_loc=[0],
                      time_left_ratio=gold['time_left_ratio'], space_pruning_loc=[4],
                      space_left_ratio=gold['space_left_ratio'], sigma=gold['sigma']),
        cls_head=dict(type='MViTHead', in_channels=128, num_classes=gold['num_classes'],
                      dropout_ratio=0.0)))
    official = fill(gold['keys'], {})
    model.load_state_dict(load_converter().convert({'model_state': official}), strict=True)
    x = torch.randn(2, 3, 16, 64, 64, generator=torch.Generator().manual_seed(0))

    def scores():
        return model.cls_head(model.backbone(x))

    model.eval()
    with torch.no_grad():
        out = scores().softmax(-1)  # the official head applies softmax in eval mode
    # float32 through 6 blocks, same ops reordered: 1e-5 on probabilities
    torch.testing.assert_close(out, gold['out_eval'], atol=1e-5, rtol=1e-4)
    model.train()
    torch.manual_seed(gold['seed'])  # perturbed top-K noise from the global RNG, as official
    with torch.no_grad():
        out = scores()
    torch.testing.assert_close(out, gold['out_train'], atol=1e-4, rtol=1e-4)


def test_gflops_selected_below_unselected_under_tracing():
    """fvcore traces the model (shapes become tensors): anchor stride math must stay integral."""
    from stts.flops import count_gflops
    init_default_scope('mmaction')
    m = MODELS.build(dict(
        type='STTSMViT', arch=dict(embed_dims=16, num_layers=6, num_heads=1,
                                   downscale_indices=[1, 3, 5]),
        spatial_size=64, temporal_size=16, time_pruning_loc=[0], time_left_ratio=[0.5],
        space_pruning_loc=[4], space_left_ratio=[0.25]))  # 2 x 2 anchor of 4 x 4: stride 1
    sel = count_gflops(m, (3, 16, 64, 64), selected=True)
    full = count_gflops(m, (3, 16, 64, 64), selected=False)
    assert 0 < sel < 0.6 * full
    assert m._space_at == {4: 0}  # selection restored after the unselected count
