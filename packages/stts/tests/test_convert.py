"""The converter on checkpoints with the official structure, loaded with weights_only kept on.

PySlowFast's ``save_checkpoint`` writes ``{'epoch', 'model_state', 'optimizer_state', 'cfg'}``
(``cfg.dump()``, a YAML string; some forks pickle the ``CfgNode`` itself); mmcv's runner writes
``{'meta', 'state_dict', 'optimizer'}`` whose ``meta['hook_msgs']`` holds numpy scores.
"""
import os
import sys
from collections import OrderedDict

import numpy as np
import pytest
import torch
from cvshared.checkpoint import UnsafeCheckpointError, converter_main, load_checkpoint_file
from stts.convert import EXTRA_SAFE_GLOBALS, convert


def _adamw_state(params):
    opt = torch.optim.AdamW(params, lr=1e-4)
    sum(p.sum() for p in params).backward()
    opt.step()
    return opt.state_dict()


def pyslowfast_checkpoint(path, cfg_object):
    yacs_config = pytest.importorskip('fvcore.common.config')
    cfg = yacs_config.CfgNode({'MVIT': {'SIGMA': 0.1, 'TIME_LEFT_RATIO': [0.625]},
                               'MODEL': {'NUM_CLASSES': 400}})
    state = OrderedDict([('patch_embed.proj.weight', torch.randn(16, 3, 3, 7, 7)),
                         ('cls_token', torch.randn(1, 1, 16)),
                         ('head.projection.weight', torch.randn(400, 16)),
                         ('time_score_predictor.0.score_network.in_conv.0.weight',
                          torch.randn(32))])
    params = [torch.nn.Parameter(v.clone()) for v in state.values()]
    torch.save({'epoch': 20, 'model_state': state, 'optimizer_state': _adamw_state(params),
                'cfg': cfg if cfg_object else cfg.dump()}, path)
    return state


@pytest.mark.parametrize('cfg_object', [False, True], ids=['cfg-yaml-string', 'cfg-CfgNode'])
def test_official_pyslowfast_checkpoint_loads_safely_and_converts(tmp_path, monkeypatch,
                                                                  cfg_object):
    path = tmp_path / 'official.pyth'
    state = pyslowfast_checkpoint(path, cfg_object)
    # yacs / fvcore need not be importable: the CfgNode loads as a plain dict stand-in
    for name in ('yacs', 'yacs.config', 'fvcore.common.config'):
        monkeypatch.setitem(sys.modules, name, None)
    ckpt = load_checkpoint_file(path, extra_safe_globals=EXTRA_SAFE_GLOBALS)
    if cfg_object:
        assert dict(ckpt['cfg']) == {'MVIT': {'SIGMA': 0.1, 'TIME_LEFT_RATIO': [0.625]},
                                     'MODEL': {'NUM_CLASSES': 400}}
    ours = convert(ckpt)
    assert sorted(ours) == ['backbone.cls_token', 'backbone.patch_embed.projection.weight',
                            'backbone.time_selectors.0.predictor.in_conv.0.weight',
                            'cls_head.fc_cls.weight']
    assert torch.equal(ours['cls_head.fc_cls.weight'], state['head.projection.weight'])
    # without the allow-list the CfgNode is refused (weights_only stays on)
    if cfg_object:
        with pytest.raises(UnsafeCheckpointError, match='CfgNode'):
            load_checkpoint_file(path)
        # the converter's command line (as tools/model_converters/stts_official_to_ours.py)
        converter_main(convert, 'doc', extra_safe_globals=EXTRA_SAFE_GLOBALS,
                       argv=[str(path), str(tmp_path / 'ours.pth')])
        saved = load_checkpoint_file(tmp_path / 'ours.pth')
        assert torch.equal(saved['state_dict']['backbone.cls_token'], state['cls_token'])


def test_official_videoswin_mmcv_checkpoint_loads_safely_and_converts(tmp_path):
    path = tmp_path / 'official_swin.pth'
    state = OrderedDict([('backbone.layers.0.blocks.0.attn.qkv.weight', torch.randn(48, 16)),
                         ('backbone.norm.weight', torch.randn(32)),
                         ('cls_head.fc_cls.weight', torch.randn(400, 32))])
    meta = {'mmcv_version': '1.3.1', 'time': 'Mon Mar 14 10:00:00 2022', 'epoch': 10,
            'iter': 50000, 'config': "model = dict(type='Recognizer3D')",
            'hook_msgs': {'best_score': np.float64(0.814), 'best_ckpt': 'epoch_10.pth'},
            'CLASSES': None}
    torch.save({'meta': meta, 'state_dict': state, 'optimizer': {'state': {}, 'param_groups': []}},
               path)
    ckpt = load_checkpoint_file(path, extra_safe_globals=EXTRA_SAFE_GLOBALS)
    assert ckpt['meta']['hook_msgs']['best_score'] == np.float64(0.814)
    ours = convert(ckpt)
    assert sorted(ours) == ['backbone.layers.0.blocks.0.attn.qkv.weight', 'backbone.norm0.weight',
                            'cls_head.fc_cls.weight']


class _Evil:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f'touch {self.target}', ))


def test_allow_list_does_not_admit_code(tmp_path):
    """A crafted checkpoint that runs a command is refused even with our allow-list."""
    target = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        torch.save({'model_state': {}, 'cfg': _Evil(target)}, f, pickle_protocol=2)
    with pytest.raises(UnsafeCheckpointError, match='system'):
        load_checkpoint_file(path, extra_safe_globals=EXTRA_SAFE_GLOBALS)
    assert not target.exists()
