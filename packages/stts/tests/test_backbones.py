"""STTS backbones: MViT v1 structure and selection sizes, GFLOPs under tracing, the converter's
renaming and errors (golden comparisons: test_golden.py)."""
import pytest
import stts  # noqa: F401
import torch
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope
from stts.convert import convert


def test_converter_mvit_keys_and_errors():
    official = {'patch_embed.proj.weight': 0, 'cls_token': 1, 'pos_embed_class': 2,
                'blocks.3.attn.pool_q.weight': 3, 'norm.bias': 4, 'head.projection.weight': 5,
                'space_score_predictor.0.score_network.out_conv.4.bias': 6}
    ours = convert({'model_state': official, 'epoch': 20})
    assert ours == {'backbone.patch_embed.projection.weight': 0, 'backbone.cls_token': 1,
                    'backbone.pos_embed_class': 2, 'backbone.blocks.3.attn.pool_q.weight': 3,
                    'backbone.norm3.bias': 4, 'cls_head.fc_cls.weight': 5,
                    'backbone.space_selectors.0.predictor.out_conv.4.bias': 6}
    with pytest.raises(KeyError, match='unexpected key'):
        convert({'model_state': {'mystery.weight': 0}})
    with pytest.raises(KeyError, match='not an official STTS checkpoint'):
        convert({'weights': {}})


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


def test_gflops_selected_below_unselected_under_tracing():
    """fvcore traces the model (shapes become tensors): anchor stride math must stay integral."""
    from stts.flops import count_gflops
    init_default_scope('mmaction')
    m = MODELS.build(dict(
        type='STTSMViT', arch=dict(embed_dims=16, num_layers=6, num_heads=1,
                                   downscale_indices=[1, 3, 5]),
        spatial_size=64, temporal_size=8, time_pruning_loc=[0], time_left_ratio=[0.5],
        space_pruning_loc=[4], space_left_ratio=[0.25]))  # 2 x 2 anchor of 4 x 4: stride 1
    sel = count_gflops(m, (3, 8, 64, 64), selected=True)
    full = count_gflops(m, (3, 8, 64, 64), selected=False)
    assert 0 < sel < 0.6 * full
    assert m._space_at == {4: 0}  # selection restored after the unselected count
