"""README.md's papers table is the one generated from the metafiles and PaperSpecs
(``python tools/papers_table.py --write``), and the README's commands are the Makefile's."""
import os.path as osp
import re

import pytest
from repo_helpers import REPO, load_tool

pt = load_tool('papers_table')


def _readme():
    with open(osp.join(REPO, 'README.md')) as f:
        return f.read()


def test_papers_table_is_up_to_date():
    readme = _readme()
    expected = pt.replace_block(readme, pt.render_table(pt.collect()))
    assert readme == expected, \
        'README.md papers table is stale: python tools/papers_table.py --write'


def test_stale_table_is_detected():
    """A hand edit inside the block (or a changed metafile / spec) makes the check fail."""
    table = pt.render_table(pt.collect())
    fresh = pt.replace_block(_readme(), table)
    edited = fresh.replace('[packages/', '[packages /', 1)
    assert edited != fresh
    assert pt.replace_block(edited, table) == fresh


def test_table_lists_every_package_once():
    block = _readme().split(pt.START, 1)[1].split(pt.END, 1)[0]
    keys = re.findall(r'^\| (\S+) \|', block, flags=re.M)
    assert keys[1:] == pt.paper_keys()   # first row is the header


@pytest.mark.parametrize('target', ['install', 'test', 'reproduce', 'benchmark', 'lint'])
def test_readme_make_targets_exist(target):
    with open(osp.join(REPO, 'Makefile')) as f:
        makefile = f.read()
    assert re.search(rf'^{target}:', makefile, flags=re.M), target
    assert f'make {target}' in _readme() or target in ('install', 'lint')


def test_ci_runs_the_readme_test_command():
    with open(osp.join(REPO, '.ci', 'run')) as f:
        lines = [line.strip() for line in f if line.strip() and not line.startswith('#')]
    assert lines[-1] == 'make test'
    assert 'make test ' in _readme() or 'make test\n' in _readme()
