"""Official checkpoint layout -> ours (tools/model_converters/hfan_official_to_ours.py)."""
import importlib.util
import json
import os.path as osp

import pytest
import torch
from hfan.convert import convert_state_dict
from mmseg.registry import MODELS

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
GOLDEN = osp.join(osp.dirname(__file__), 'data', 'golden')


def b1_model():
    return MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='FrameFlowBackbone', backbone=dict(
            type='MixVisionTransformer', in_channels=3, embed_dims=64, num_layers=[2, 2, 2, 2],
            num_heads=[1, 2, 5, 8], sr_ratios=[8, 4, 2, 1])),
        decode_head=dict(type='HFANHead', in_channels=[64, 128, 320, 512],
                         in_index=[0, 1, 2, 3], channels=128, num_classes=2, embed_dim=256,
                         norm_cfg=dict(type='BN'))))


def test_released_hfan_small_layout_converts_completely():
    """Every key of the official HFAN-Small checkpoint maps onto our model, shapes included."""
    with open(osp.join(GOLDEN, 'hfan_small_official_keys.json')) as f:
        shapes = json.load(f)
    official = {k: torch.randn(v) if v else torch.tensor(0) for k, v in shapes.items()}
    ours = convert_state_dict({'state_dict': official, 'meta': {}})
    model = b1_model()
    target = model.state_dict()
    assert set(ours) == set(target)
    for k, v in ours.items():
        assert v.shape == target[k].shape, k
    model.load_state_dict(ours, strict=True)
    # q and kv are fused into in_proj in this order
    q = official['backbone.backbone.block2.1.attn.q.weight']
    kv = official['backbone.backbone.block2.1.attn.kv.weight']
    torch.testing.assert_close(ours['backbone.backbone.layers.1.1.1.attn.attn.in_proj_weight'],
                               torch.cat([q, kv]))


def test_bare_mit_checkpoint_and_bad_keys():
    with open(osp.join(GOLDEN, 'hfan_small_official_keys.json')) as f:
        shapes = json.load(f)
    prefix = 'backbone.backbone.'
    mit = {k[len(prefix):]: torch.zeros(v) for k, v in shapes.items() if k.startswith(prefix)}
    mit['head.weight'] = torch.zeros(1000, 512)  # SegFormer's ImageNet classifier is dropped
    out = convert_state_dict(mit, prefix='')
    assert 'layers.3.2.weight' in out and not any(k.startswith('head') for k in out)
    with pytest.raises(KeyError, match='unexpected key'):
        convert_state_dict({'neck.x': torch.zeros(1)})
    with pytest.raises(KeyError, match='unpaired'):
        convert_state_dict({'backbone.backbone.block1.0.attn.q.weight': torch.zeros(2, 2)})


def test_command_line_tool_on_official_tiny_weights(tmp_path):
    spec = importlib.util.spec_from_file_location(
        'hfan_conv', osp.join(ROOT, 'tools/model_converters/hfan_official_to_ours.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    d = torch.load(osp.join(GOLDEN, 'full_golden.pt'), weights_only=False)
    src, dst = tmp_path / 'official.pth', tmp_path / 'ours.pth'
    torch.save({'state_dict': d['state_dict'], 'meta': {}}, src)
    tool.main([str(src), str(dst)])
    ckpt = torch.load(dst, weights_only=False)
    model = MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='FrameFlowBackbone', backbone=dict(
            type='MixVisionTransformer', in_channels=3, embed_dims=16, num_layers=[1, 1, 1, 1],
            num_heads=[1, 1, 2, 2], sr_ratios=[4, 2, 1, 1], mlp_ratio=2)),
        decode_head=dict(type='HFANHead', in_channels=[16, 16, 32, 32], in_index=[0, 1, 2, 3],
                         channels=16, num_classes=2, embed_dim=16, norm_cfg=dict(type='BN'))))
    model.load_state_dict(ckpt['state_dict'], strict=True)
    model.eval()
    with torch.no_grad():
        logits = model.decode_head(model.extract_feat(d['inputs']))
    torch.testing.assert_close(logits, d['logits'], atol=1e-4, rtol=0)
