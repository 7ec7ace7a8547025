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


def test_our_packages_import():
    for name in OUR_MODULES:
        importlib.import_module(name)


def test_no_shadowed_names():
    _import_everything()
    import mmengine.registry as root

    roots = {name: obj for name, obj in vars(root).items()
             if isinstance(obj, root.Registry) and obj.parent is None}
    ours = tuple(m + '.' for m in OUR_MODULES) + tuple(OUR_MODULES)
    problems = []
    for kind, registry in roots.items():
        owners = defaultdict(list)
        for reg in _descendants(registry):
            for name, obj in reg.module_dict.items():
                owners[name].append((reg.scope, getattr(obj, '__module__', '?')))
        for name, regs in owners.items():
            if len(regs) > 1 and any(mod.startswith(ours) for _, mod in regs):
                problems.append(f'{kind}: {name!r} registered in {regs}')
    assert not problems, '\n'.join(problems)
