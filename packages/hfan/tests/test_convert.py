"""Official checkpoint layout -> ours (``hfan.convert`` and its command line entry)."""
import json
import os.path as osp
import time
from collections import OrderedDict

import pytest
import torch
from cvshared.checkpoint import UnsafeCheckpointError, converter_main, load_checkpoint_file
from hfan.convert import convert, convert_state_dict, is_bare_mit
from mmseg.registry import MODELS

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
GOLDEN = osp.join(osp.dirname(__file__), 'golden')
TOOL = osp.join(ROOT, 'tools/model_converters/hfan_official_to_ours.py')


def official_shapes():
    with open(osp.join(GOLDEN, 'hfan_small_official_keys.json')) as f:
        return json.load(f)


def b1_model():
    return MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='FrameFlowBackbone', backbone=dict(
            type='MixVisionTransformer', in_channels=3, embed_dims=64, num_layers=[2, 2, 2, 2],
            num_heads=[1, 2, 5, 8], sr_ratios=[8, 4, 2, 1])),
        decode_head=dict(type='HFANHead', in_channels=[64, 128, 320, 512],
                         in_index=[0, 1, 2, 3], channels=128, num_classes=2, embed_dim=256,
                         norm_cfg=dict(type='BN'))))


def mmcv1_checkpoint(state_dict):
    """What mmcv 1.3's ``save_checkpoint`` writes for the official IterBasedRunner (meta from
    the official tools/train.py + runner, AdamW state), with the official key layout."""
    params = list(range(3))
    return {
        'meta': {'mmcv_version': '1.3.8', 'time': time.asctime(), 'env_info': 'sys.platform: linux',
                 'seed': 1208, 'exp_name': 'hfan.small.512x512.refine.py',
                 'mmseg_version': '0.11.0+0fca143', 'config': "model = dict(type='EncoderDecoder')",
                 'CLASSES': ('Background', 'Foreground'), 'PALETTE': [[0, 0, 0], [255, 0, 0]],
                 'epoch': 1, 'iter': 4000, 'hook_msgs': {'last_ckpt': 'work_dirs/iter_4000.pth'}},
        'state_dict': OrderedDict(state_dict),
        'optimizer': {'state': {i: {'step': 4000, 'exp_avg': torch.zeros(2),
                                    'exp_avg_sq': torch.zeros(2)} for i in params},
                      'param_groups': [{'lr': 1e-5, 'betas': (0.9, 0.999), 'eps': 1e-8,
                                        'weight_decay': 0.01, 'amsgrad': False,
                                        'initial_lr': 1e-5, 'params': params}]},
    }


def test_released_hfan_small_layout_converts_completely():
    """Every key of the official HFAN-Small checkpoint maps onto our model, shapes included."""
    shapes = official_shapes()
    official = {k: torch.randn(v) if v else torch.tensor(0) for k, v in shapes.items()}
    ours = convert({'state_dict': official, 'meta': {}})
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
    prefix = 'backbone.backbone.'
    mit = {k[len(prefix):]: torch.zeros(v) for k, v in official_shapes().items()
           if k.startswith(prefix)}
    mit['head.weight'] = torch.zeros(1000, 512)  # SegFormer's ImageNet classifier is dropped
    assert is_bare_mit(mit) and not is_bare_mit({'state_dict': {'decode_head.x': 0}})
    out = convert(mit)
    assert 'layers.3.2.weight' in out and not any(k.startswith('head') for k in out)
    encoder = MODELS.build(dict(type='MixVisionTransformer', in_channels=3, embed_dims=64,
                                num_layers=[2, 2, 2, 2], num_heads=[1, 2, 5, 8],
                                sr_ratios=[8, 4, 2, 1]))
    encoder.load_state_dict(out, strict=True)  # what init_cfg Pretrained loads
    with pytest.raises(KeyError, match='unexpected key'):
        convert_state_dict({'neck.x': torch.zeros(1)})
    with pytest.raises(KeyError, match='unpaired'):
        convert_state_dict({'backbone.backbone.block1.0.attn.q.weight': torch.zeros(2, 2)})


def test_tool_is_the_thin_template_entry():
    with open(TOOL) as f:
        body = f.read().split('"""')[-1].strip()
    assert body == ('from cvshared.checkpoint import converter_main\n'
                    'from hfan.convert import convert\n\n'
                    "if __name__ == '__main__':\n    converter_main(convert, __doc__)")


def test_official_mmcv1_checkpoint_loads_safely_and_converts(tmp_path):
    """An official-format checkpoint (mmcv 1.x metadata, optimizer state, official keys of the
    tiny golden model) passes the weights_only loader without any allow-list and converts to
    weights that reproduce the official logits."""
    d = load_checkpoint_file(osp.join(GOLDEN, 'full_golden.pt'))
    src, dst = tmp_path / 'official.pth', tmp_path / 'ours.pth'
    torch.save(mmcv1_checkpoint(d['state_dict']), src)
    assert load_checkpoint_file(str(src))['meta']['CLASSES'] == ('Background', 'Foreground')
    converter_main(convert, None, argv=[str(src), str(dst)])
    ckpt = load_checkpoint_file(str(dst))
    model = MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='FrameFlowBackbone', backbone=dict(
            type='MixVisionTransformer', in_channels=3, embed_dims=16, num_layers=[1, 1, 1, 1],
            num_heads=[1, 1, 2, 2], sr_ratios=[4, 2, 1, 1], mlp_ratio=2)),
        decode_head=dict(type='HFANHead', in_channels=[16, 16, 32, 32], in_index=[0, 1, 2, 3],
                         channels=16, num_classes=2, embed_dim=16, norm_cfg=dict(type='BN'))))
    model.load_state_dict(ckpt['state_dict'], strict=True)
    model.eval().double()
    with torch.no_grad():
        logits = model.decode_head(model.extract_feat(d['inputs'].double()))
    # float64, as the exact comparison of test_golden.py
    torch.testing.assert_close(logits, d['float64']['logits'], atol=1e-9, rtol=0)


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


def test_converter_refuses_a_pickle_that_runs_code(tmp_path):
    target = tmp_path / 'pwned.txt'
    src = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': _Evil(str(target))}, src)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        converter_main(convert, None, argv=[str(src), str(tmp_path / 'out.pth')])
    assert not target.exists() and not (tmp_path / 'out.pth').exists()
