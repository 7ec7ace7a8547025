"""The official X-CLIP / UMIL state dict <-> ours: strict in both directions, on the committed
official key lists (the tiny golden model and X-CLIP ViT-B/32, the ``k400_32_8.pth``
architecture with UMIL's heads), through the converter CLI and through ``init_cfg``."""
import json
import os.path as osp
import runpy
import sys

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from umil.convert import convert, is_official, to_official
from umil.models.backbone import UMILXCLIP

HERE = osp.dirname(osp.abspath(__file__))
GOLDEN = osp.join(HERE, 'golden')
REPO = osp.abspath(osp.join(HERE, '..', '..', '..'))
TINY = dict(embed_dim=64, image_size=32, patch_size=16, vision_width=64, vision_layers=2,
            text_width=64, text_layers=1, num_frames=3)


def shapes(name):
    with open(osp.join(GOLDEN, f'official_keys_{name}.json')) as f:
        return {k: tuple(v) for k, v in json.load(f).items()}


def random_official():
    """A random state dict with exactly the official tiny model's names and shapes."""
    g = torch.Generator().manual_seed(0)
    return {k: torch.randn(s, generator=g) for k, s in shapes('tiny').items()}


def test_round_trip_is_strict_and_exact_on_the_official_names():
    official = random_official()
    model = UMILXCLIP(**TINY)
    model.load_state_dict(convert(official), strict=True)  # no missing / unexpected key
    back = to_official(model.state_dict())
    assert sorted(back) == sorted(official)
    for key, value in official.items():
        assert torch.equal(back[key], value), key
    # packed q/k/v are split in q, k, v order; [in, out] projections are transposed
    ours = convert(official)
    qkv = official['visual.transformer.resblocks.1.message_attn.in_proj_weight']
    assert torch.equal(ours['vision_model.encoder.layers.1.message_attn.k_proj.weight'],
                       qkv[64:128])
    assert torch.equal(ours['visual_projection.weight'], official['visual.proj'].t())


def test_vitb32_official_names_convert_strictly_to_our_vitb32():
    official = {k: torch.empty(s, device='meta') for k, s in shapes('vitb32').items()}
    with torch.device('meta'):
        model = UMILXCLIP(num_frames=5)  # X-CLIP ViT-B/32 defaults, UMIL's 5 frames
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    converted = {k: tuple(v.shape) for k, v in convert(official).items()}
    assert converted == ours


def test_convert_accepts_the_official_wrappers_and_names_unknown_keys():
    official = random_official()
    wrapped = {'model': {'module.' + k: v for k, v in official.items()}, 'epoch': 3}
    assert is_official(wrapped['model'])
    assert sorted(convert(wrapped)) == sorted(convert(official))
    dropped = convert(official, drop_mit_positions=True)
    assert set(convert(official)) - set(dropped) == {'mit.position_embedding'}
    with pytest.raises(KeyError, match='visual.extra_thing'):
        convert({**official, 'visual.extra_thing': torch.zeros(1)})
    with pytest.raises(KeyError, match='no official counterpart'):
        to_official({'backbone.foo': torch.zeros(1)})


def test_converter_cli_and_init_cfg_load_an_official_checkpoint(tmp_path, monkeypatch,
                                                               capsys):
    official = random_official()
    src = tmp_path / 'official.pth'
    torch.save({'model': official, 'epoch': 30, 'max_accuracy': 0.8}, src)
    dst = tmp_path / 'ours.pth'
    tool = osp.join(REPO, 'tools', 'model_converters', 'umil_official_to_ours.py')
    monkeypatch.setattr(sys, 'argv', [tool, str(src), str(dst)])
    runpy.run_path(tool, run_name='__main__')  # the entry point, in-process
    assert f'to {dst}' in capsys.readouterr().out
    converted = load_checkpoint_file(dst)['state_dict']
    model = UMILXCLIP(**TINY)
    model.load_state_dict(converted, strict=True)
    ref = convert(official)
    assert all(torch.equal(v, ref[k]) for k, v in model.state_dict().items())

    # init_cfg Pretrained on the official file: converted, MIT positions left out as the
    # official build_model does (they keep their initialisation)
    model = UMILXCLIP(**TINY, init_cfg=dict(type='Pretrained', checkpoint=str(src)))
    before = model.mit.position_embedding.detach().clone()
    model.init_weights()
    state = model.state_dict()
    assert torch.equal(state['mit.position_embedding'], before)
    for key, value in ref.items():
        if key != 'mit.position_embedding':
            assert torch.equal(state[key], value), key

    # an X-CLIP checkpoint has no UMIL heads: they stay initialised; a foreign key is an error
    xclip = {k: v for k, v in official.items() if 'head_video' not in k}
    torch.save({'model': xclip}, src)
    UMILXCLIP(**TINY, init_cfg=dict(type='Pretrained', checkpoint=str(src))).init_weights()
    torch.save({'model': {**official, 'visual.transformer.resblocks.5.ln_1.weight':
                          torch.ones(64)}}, src)
    with pytest.raises(KeyError):
        UMILXCLIP(**TINY, init_cfg=dict(type='Pretrained', checkpoint=str(src))).init_weights()


def _save_with_a_yacs_config(path, model_state):
    """torch.save an official-style checkpoint whose ``config`` is a yacs CfgNode, with a
    stand-in ``yacs.config`` module holding a CfgNode written as yacs writes it (a dict
    subclass with four internal attributes); the module is gone again before loading."""
    import types

    class CfgNode(dict):
        def __init__(self, init_dict=None):
            super().__init__(init_dict or {})
            self.__dict__.update({'__immutable__': False, '__deprecated_keys__': set(),
                                  '__renamed_keys__': {}, '__new_allowed__': False})

    CfgNode.__module__, CfgNode.__qualname__ = 'yacs.config', 'CfgNode'
    yacs, config = types.ModuleType('yacs'), types.ModuleType('yacs.config')
    config.CfgNode, yacs.config = CfgNode, config
    saved = {k: sys.modules.get(k) for k in ('yacs', 'yacs.config')}
    sys.modules.update({'yacs': yacs, 'yacs.config': config})
    try:
        cfg = CfgNode({'MODEL': CfgNode({'ARCH': 'ViT-B/32'}), 'TRAIN': CfgNode({'LR': 8e-6})})
        torch.save({'model': model_state, 'config': cfg, 'epoch': 30}, path)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def test_official_checkpoint_with_its_yacs_config_loads_safely(tmp_path, monkeypatch, capsys):
    """X-CLIP / UMIL save their yacs config beside the weights (k400_32_8.pth does). Safe
    loading reads it as plain data through umil.convert.EXTRA_SAFE_GLOBALS, without yacs;
    without that entry the file is refused."""
    from cvshared.checkpoint import UnsafeCheckpointError
    from umil.convert import EXTRA_SAFE_GLOBALS
    official = random_official()
    src = tmp_path / 'k400_like.pth'
    _save_with_a_yacs_config(src, official)
    for name in ('yacs', 'yacs.config'):  # another test may have imported it (fvcore does)
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(UnsafeCheckpointError, match='yacs.config.CfgNode'):
        load_checkpoint_file(src)
    loaded = load_checkpoint_file(src, extra_safe_globals=EXTRA_SAFE_GLOBALS)
    assert loaded['config'] == {'MODEL': {'ARCH': 'ViT-B/32'}, 'TRAIN': {'LR': 8e-6}}
    assert 'yacs' not in sys.modules  # nothing of yacs was imported
    dst = tmp_path / 'ours.pth'
    tool = osp.join(REPO, 'tools', 'model_converters', 'umil_official_to_ours.py')
    monkeypatch.setattr(sys, 'argv', [tool, str(src), str(dst)])
    runpy.run_path(tool, run_name='__main__')
    model = UMILXCLIP(**TINY)
    model.load_state_dict(load_checkpoint_file(dst)['state_dict'], strict=True)
    ref = convert(official)
    assert all(torch.equal(v, ref[k]) for k, v in model.state_dict().items())
    # and the init_cfg path reads the same file
    model = UMILXCLIP(**TINY, init_cfg=dict(type='Pretrained', checkpoint=str(src)))
    model.init_weights()
    assert torch.equal(model.state_dict()['vision_model.embeddings.class_embedding'],
                       ref['vision_model.embeddings.class_embedding'])
