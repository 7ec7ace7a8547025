"""Every config under configs/ loads, resolves its registry names and builds its model."""
import glob
import os.path as osp

import pytest
from cvshared.engine.launch import drop_pretrained, load_config
from repo_helpers import REPO

CONFIGS = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p.split(osp.sep))


def _build_model(cfg):
    from mmengine.registry import MODELS, DefaultScope, init_default_scope
    from mmengine.utils import import_modules_from_strings

    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    scope = cfg.get('default_scope', 'mmengine')
    init_default_scope(scope)
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(cfg.model)


def test_there_are_configs():
    assert CONFIGS, 'no configs found under configs/'


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, osp.join(REPO, 'configs')))
def test_config_loads(path):
    cfg = load_config(path, data_root='/nonexistent/data_root')
    for key in ('model', 'default_scope', 'train_dataloader', 'test_dataloader',
                'test_evaluator', 'optim_wrapper', 'train_cfg'):
        assert key in cfg, f'{path} lacks {key!r}'
    assert cfg.get('custom_imports'), f'{path} must custom_import its package'
    dataset = cfg.train_dataloader.dataset
    text = str(dataset)
    assert '/nonexistent/data_root' in text, f'{path}: data_root must come from DATA_ROOT'


def test_every_config_builds_its_model():
    """Each distinct model definition is built once (per-category configs share one)."""
    import torch
    built = {}
    for path in CONFIGS:
        cfg = load_config(path, data_root='/nonexistent/data_root')
        drop_pretrained(cfg.model)  # random init: tests download nothing
        key = cfg.get('default_scope', '') + repr(cfg.model)
        if key in built:
            continue
        try:
            model = _build_model(cfg)
        except Exception as err:  # name the config that failed
            raise AssertionError(f'{path}: building the model failed: {err!r}') from err
        assert isinstance(model, torch.nn.Module), path
        assert sum(p.numel() for p in model.parameters()) > 0, path
        built[key] = path
    assert built
