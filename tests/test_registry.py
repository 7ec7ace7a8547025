"""Registry names of our packages are unique within each registry family.

mmengine refuses a second registration of a name in the same registry, but a name registered
in a child registry (mmseg's, or a paper's scope) silently shadows the same name in mmengine's
root registry for that scope. So every name that cvshared or a paper package registers must be
unique across the root registry of its kind and all of the root's descendants.
"""
import importlib
import os
import os.path as osp
from collections import defaultdict
from functools import cache

import pytest
from repo_helpers import REPO

OUR_MODULES = ['cvshared'] + sorted(
    d for d in os.listdir(osp.join(REPO, 'packages'))
    if osp.isfile(osp.join(REPO, 'packages', d, 'pyproject.toml'))
) if osp.isdir(osp.join(REPO, 'packages')) else ['cvshared']

UPSTREAM = ['mmseg.models', 'mmseg.datasets', 'mmdet.models', 'mmdet.datasets',
            'mmaction.models', 'mmaction.datasets', 'mmpretrain.models', 'mmpretrain.datasets',
            'mmseg.evaluation', 'mmdet.evaluation', 'mmaction.evaluation',
            'mmpretrain.evaluation', 'mmseg.engine', 'mmdet.engine', 'mmaction.engine']


def _descendants(registry):
    yield registry
    for child in registry.children.values():
        yield from _descendants(child)


def _import_everything():
    import cvshared.testing  # noqa: F401
    for name in UPSTREAM + OUR_MODULES:
        importlib.import_module(name)


@cache
def _owners():
    """``{(registry kind, name): [(scope, module), ...]}`` over every registry tree."""
    _import_everything()
    import mmengine.registry as root

    roots = {name: obj for name, obj in vars(root).items()
             if isinstance(obj, root.Registry) and obj.parent is None}
    owners = defaultdict(list)
    for kind, registry in roots.items():
        for reg in _descendants(registry):
            for name, obj in reg.module_dict.items():
                owners[kind, name].append((reg.scope, getattr(obj, '__module__', '?')))
    return owners


@pytest.mark.parametrize('module', OUR_MODULES)
def test_package_imports_and_registers(module):
    importlib.import_module(module)
    mine = [key for key, regs in _owners().items()
            if any(mod == module or mod.startswith(module + '.') for _, mod in regs)]
    assert mine, f'{module} registers nothing in any mmengine registry tree'


@pytest.mark.parametrize('module', OUR_MODULES)
def test_no_shadowed_names(module):
    problems = [f'{kind}: {name!r} registered in {regs}'
                for (kind, name), regs in _owners().items()
                if len(regs) > 1
                and any(mod == module or mod.startswith(module + '.') for _, mod in regs)]
    assert not problems, '\n'.join(problems)


def test_shadowing_is_detected():
    """A name of ours registered again in a child registry shows up as two owners."""
    from mmengine.registry import MODELS, Registry

    child = Registry('model', parent=MODELS, scope='_shadow_probe')
    first = next(name for name, obj in MODELS.module_dict.items()
                 if getattr(obj, '__module__', '').startswith('cvshared'))
    child.register_module(name=first, module=type('Probe', (), {}))
    try:
        regs = [(reg.scope, name) for reg in _descendants(MODELS) for name in reg.module_dict
                if name == first]
        assert len(regs) == 2, regs
    finally:
        MODELS.children.pop('_shadow_probe', None)
