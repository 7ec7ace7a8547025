"""The shared package declares what it imports (issue 8 item 5).

Every ``import`` / ``from ... import`` of ``shared/cvshared`` (module level and inside
functions) is mapped to its distribution (``importlib.metadata.packages_distributions``:
``sklearn`` -> scikit-learn, ``cv2`` -> opencv-python, ...) and must be declared in
``shared/pyproject.toml``: in the core ``dependencies`` or in the optional extra of the file's
area (``[tool.cvshared.areas]``). Declared dependencies must be used, so the list cannot go
stale the other way either.
"""
import ast
import os.path as osp
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from repo_helpers import REPO

SHARED = Path(REPO) / 'shared'


def _pyproject(path=SHARED / 'pyproject.toml'):
    with open(path, 'rb') as f:
        return tomllib.load(f)


def _names(requirements) -> set:
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def declared(pyproject: dict):
    """(core distributions, {extra: distributions}, {path prefix: extra})."""
    project = pyproject['project']
    core = _names(project.get('dependencies', []))
    extras = {extra: _names(r for r in reqs if not Requirement(r).name == project['name'])
              for extra, reqs in project.get('optional-dependencies', {}).items()}
    areas = pyproject.get('tool', {}).get('cvshared', {}).get('areas', {})
    return core, extras, areas


def third_party_imports(source: str) -> set:
    """Top-level names of the absolute imports in ``source`` that are not the stdlib's."""
    mods = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            mods |= {alias.name.split('.')[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods.add(node.module.split('.')[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m != 'cvshared'}


def area_of(relpath: str, areas: dict) -> str | None:
    matches = [prefix for prefix in areas if relpath.startswith(prefix)]
    return areas[max(matches, key=len)] if matches else None


def undeclared(root: Path, pyproject: dict) -> tuple[list, set]:
    """(problems, distributions used) for the package under ``root`` (``root/cvshared``)."""
    core, extras, areas = declared(pyproject)
    dists = packages_distributions()
    problems, used = [], set()
    for path in sorted((root / 'cvshared').rglob('*.py')):
        rel = path.relative_to(root).as_posix()
        area = area_of(rel, areas)
        allowed = core | extras.get(area, set())
        for module in sorted(third_party_imports(path.read_text())):
            candidates = {canonicalize_name(d) for d in dists.get(module, [])}
            if not candidates:
                problems.append(f'{rel}: imports {module!r}, which no installed distribution '
                                f'provides')
                continue
            used |= candidates & (core | set().union(*extras.values()))
            if not candidates & allowed:
                where = f"the core dependencies or extra '{area}'" if area else \
                    'the core dependencies (or give the module an area in [tool.cvshared.areas])'
                problems.append(f'{rel}: imports {module!r} (distribution '
                                f'{" or ".join(sorted(candidates))}), not declared in {where}')
    return problems, used


def test_every_import_of_cvshared_is_declared():
    problems, _ = undeclared(SHARED, _pyproject())
    assert not problems, '\n'.join(problems)


def test_every_declared_dependency_is_imported():
    pyproject = _pyproject()
    core, extras, _ = declared(pyproject)
    _, used = undeclared(SHARED, pyproject)
    stale = (core | set().union(*extras.values())) - used
    assert not stale, f'declared in shared/pyproject.toml but never imported: {sorted(stale)}'


def test_areas_name_existing_modules_and_extras():
    core, extras, areas = declared(_pyproject())
    for prefix, extra in areas.items():
        assert extra in extras, f'area {prefix!r} names unknown extra {extra!r}'
        assert list(SHARED.glob(prefix + '*')), f'area {prefix!r} matches no file of shared/'


@pytest.mark.parametrize('where, expect', [
    ('cvshared/ops/new_op.py', "'sklearn' (distribution scikit-learn), not declared in the core"),
    ('cvshared/metrics/anomaly_extra.py', None),      # the anomaly area may use scikit-learn
    ('cvshared/datasets/davis_more.py', "not declared in the core dependencies or extra 'seg'"),
])
def test_an_undeclared_import_is_found(tmp_path, where, expect):
    """A module importing scikit-learn outside the anomaly area is reported."""
    target = tmp_path / where
    target.parent.mkdir(parents=True)
    target.write_text('import os\nimport torch\n\ndef f():\n    from sklearn import metrics\n')
    pyproject = _pyproject()
    problems, _ = undeclared(tmp_path, pyproject)
    if expect is None:
        assert problems == []
    else:
        assert len(problems) == 1 and expect in problems[0], problems
    assert osp.isfile(target)
