"""Every config under configs/ loads, resolves its registry names and builds its model.

Tests are parametrised per config (loading) and per distinct model definition (building), with
ids ``<key>/<config file>``, so that xdist spreads them and ``--paper <key>`` selects a
paper's configs (``make test PAPER=<key>``).

Distinct model definitions are found at collection time without loading any config (loading
costs about 0.3 s per config): a config's model is determined by the files of its ``_base_``
chain that assign ``model`` at top level, so configs with the same set of such files have the
same model dict (the 27 per-category MSFlow configs share one). Each group builds its model
once; the test checks that every config of the group does have the representative's model
dict, so a wrong grouping fails instead of skipping a build.
"""
import ast
import glob
import os.path as osp
import re
from functools import cache

import pytest
from cvshared.engine.launch import drop_pretrained, load_config
from repo_helpers import REPO

CONFIG_ROOT = osp.join(REPO, 'configs')
CONFIGS = sorted(p for p in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
                 if '_base_' not in p.split(osp.sep))


def config_id(path: str) -> str:
    return osp.relpath(path, CONFIG_ROOT).replace(osp.sep, '/')


@cache
def _parse(path: str):
    """(bases, assigns_model) of one config file, read with ``ast`` (nothing is executed)."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    bases, assigns_model = [], False
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if 'model' in names:
            assigns_model = True
        if '_base_' in names:
            value = ast.literal_eval(node.value)
            for base in [value] if isinstance(value, str) else value:
                # 'mmaction::_base_/...' is another codebase's config: an opaque model file
                bases.append(base if '::' in base else
                             osp.normpath(osp.join(osp.dirname(path), base)))
        if isinstance(node, ast.With):  # mmengine's pure-python style: with read_base(): ...
            raise NotImplementedError(f'{path}: read_base() configs are not grouped yet')
    return tuple(bases), assigns_model


def model_files(path: str) -> frozenset:
    """The files of ``path``'s inheritance chain that assign ``model``."""
    bases, assigns_model = _parse(path)
    files = {path} if assigns_model else set()
    for base in bases:
        if not base.startswith(CONFIG_ROOT):  # e.g. '{{...}}' or a package-relative base
            files.add(base)
            continue
        files |= model_files(base)
    return frozenset(files)


def model_groups(configs=CONFIGS) -> dict:
    """``{representative config: [configs with the same model definition]}``."""
    groups = {}
    for path in configs:
        groups.setdefault(model_files(path), []).append(path)
    return {paths[0]: paths for paths in groups.values()}


def chain(path: str) -> list:
    """``path`` and every file of its ``_base_`` inheritance, depth first."""
    files = [path]
    for base in _parse(path)[0]:
        if osp.isfile(base):
            files += chain(base)
    return files


def env_roots(path: str) -> set:
    """Names of the environment variables the config chain substitutes (``{{$NAME:...}}``)."""
    names = set()
    for file in chain(path):
        with open(file) as f:
            names |= set(re.findall(r'\{\{\$([A-Z0-9_]+):', f.read()))
    return names


GROUPS = model_groups()
REPRESENTATIVE = {path: rep for rep, paths in GROUPS.items() for path in paths}


@cache
def _model_dict(path: str):
    return load_config(path, data_root='/nonexistent/data_root').model.to_dict()


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


def test_grouping_sees_inherited_model_changes(tmp_path):
    """Configs that change the model (themselves or through a base) are not grouped together."""
    (tmp_path / '_base_').mkdir()
    (tmp_path / '_base_' / 'm.py').write_text("model = dict(type='A')\n")
    (tmp_path / '_base_' / 'n.py').write_text("_base_ = './m.py'\nmodel = dict(depth=2)\n")
    (tmp_path / 'a.py').write_text("_base_ = ['./_base_/m.py']\nx = 1\n")
    (tmp_path / 'b.py').write_text("_base_ = ['./_base_/m.py']\ny = 2\n")
    (tmp_path / 'c.py').write_text("_base_ = ['./_base_/m.py']\nmodel = dict(depth=3)\n")
    (tmp_path / 'd.py').write_text("_base_ = ['./_base_/n.py']\n")
    paths = [str(tmp_path / f'{n}.py') for n in 'abcd']
    groups = {frozenset(v) for v in model_groups(paths).values()}
    assert groups == {frozenset(paths[:2]), frozenset([paths[2]]), frozenset([paths[3]])}


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_config_loads(path, monkeypatch):
    """DATA_ROOT is the root of the data set the config tests on; a training set elsewhere
    (HFAN's YouTube-VOS stage) comes from its own documented variable (``YTVOS_ROOT``)."""
    others = sorted(env_roots(path) - {'DATA_ROOT'})
    for name in others:
        monkeypatch.setenv(name, f'/nonexistent/{name}')
    cfg = load_config(path, data_root='/nonexistent/data_root')
    for key in ('model', 'default_scope', 'train_dataloader', 'test_dataloader',
                'test_evaluator', 'optim_wrapper', 'train_cfg'):
        assert key in cfg, f'{path} lacks {key!r}'
    key = config_id(path).split('/')[0]
    imports = (cfg.get('custom_imports') or {}).get('imports', [])
    assert key in imports, f'{path} must custom_import its package {key!r} (has {imports})'
    assert '/nonexistent/data_root' in str(cfg.test_dataloader.dataset), \
        f'{path}: the test set\'s data_root must come from DATA_ROOT'
    train = str(cfg.train_dataloader.dataset)
    assert any(f'/nonexistent/{n}' in train for n in ['data_root'] + others), \
        f'{path}: the training set\'s data_root must come from DATA_ROOT (or a *_ROOT variable)'
    # the model is built once per group (test_config_builds_its_model): check the grouping
    rep = REPRESENTATIVE[path]
    if rep != path:
        assert cfg.model.to_dict() == _model_dict(rep), \
            f'{path} was grouped with {rep} but its model differs: fix model_files()'


@pytest.mark.parametrize('path', list(GROUPS), ids=config_id)
def test_config_builds_its_model(path):
    """One build per distinct model definition (test_config_loads checks the grouping)."""
    import torch
    cfg = load_config(path, data_root='/nonexistent/data_root')
    drop_pretrained(cfg.model)  # random init: tests download nothing
    try:
        model = _build_model(cfg)
    except Exception as err:  # name the config that failed
        raise AssertionError(f'{path}: building the model failed: {err!r}') from err
    assert isinstance(model, torch.nn.Module), path
    assert sum(p.numel() for p in model.parameters()) > 0, path
