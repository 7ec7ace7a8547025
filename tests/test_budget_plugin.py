"""The per-package budget plugin (tests/budget_plugin.py) on a tiny fake repository: the
table, the OVER BUDGET mark, --budget-strict, --paper selection, and pytest's own summary
line staying the last line of the run (with and without xdist)."""
import os
import subprocess
import sys
import textwrap

import pytest
from budget_plugin import belongs_to, package_of
from repo_helpers import REPO


def fake_repo(tmp_path):
    (tmp_path / 'conftest.py').write_text("pytest_plugins = ['budget_plugin']\n")
    (tmp_path / 'pytest.ini').write_text('[pytest]\naddopts = -p no:cacheprovider\n')
    slow = tmp_path / 'packages' / 'slowpkg' / 'tests'
    fast = tmp_path / 'packages' / 'fastpkg' / 'tests'
    repo_tests = tmp_path / 'tests'
    for folder in (slow, fast, repo_tests):
        folder.mkdir(parents=True)
    (slow / 'test_slow.py').write_text(textwrap.dedent('''
        import time
        def test_a():
            time.sleep(0.6)
        def test_b():
            time.sleep(0.6)
        '''))
    (fast / 'test_fast.py').write_text(textwrap.dedent('''
        import pytest
        def test_ok():
            pass
        def test_skipped():
            pytest.skip('no data')
        def test_fails():
            assert 1 == 2
        '''))
    (repo_tests / 'test_repo.py').write_text(textwrap.dedent('''
        import pytest
        @pytest.mark.parametrize('key', ['slowpkg', 'fastpkg'])
        def test_per_paper(key):
            pass
        @pytest.mark.parametrize('path', ['slowpkg/a.py', 'fastpkg/b.py'])
        def test_per_config(path):
            pass
        @pytest.mark.paper('slowpkg')
        def test_marked():
            pass
        def test_general():
            pass
        '''))
    return tmp_path


def pytest_run(repo, *args):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, 'tests'))
    proc = subprocess.run([sys.executable, '-m', 'pytest', *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout


def row(out, package):
    return next(line.split() for line in out.splitlines() if line.startswith(package + ' '))


@pytest.mark.parametrize('xdist', [[], ['-n', '2']])
def test_table_counts_and_marks_over_budget(tmp_path, xdist):
    repo = fake_repo(tmp_path)
    code, out = pytest_run(repo, '--budget-seconds', '0.5', *xdist)
    assert code == 1, out   # test_fails
    lines = out.strip().splitlines()
    assert lines[-1].startswith('=') and '1 failed, 9 passed, 1 skipped' in lines[-1], lines[-1]
    slow, fast, repository = row(out, 'slowpkg'), row(out, 'fastpkg'), row(out, 'repository')
    assert slow[1:4] == ['2', '0', '0'] and fast[1:4] == ['1', '1', '1'], (slow, fast)
    assert repository[1:4] == ['6', '0', '0'], repository
    assert float(slow[4]) >= 1.2 and slow[-2:] == ['OVER', 'BUDGET'], slow
    assert fast[-1] == 'ok' and repository[-1] == '-', (fast, repository)
    assert 'longest test packages/slowpkg/tests/test_slow.py::test_' in out


def test_strict_fails_an_over_budget_run_and_paper_selects(tmp_path):
    repo = fake_repo(tmp_path)
    code, out = pytest_run(repo, '--paper', 'slowpkg', '--budget-seconds', '0.5',
                           '--budget-strict', 'packages/slowpkg', 'tests')
    assert code == 1, out
    assert '5 passed, 3 deselected' in out.strip().splitlines()[-1]  # 2 + 3 of tests/
    assert 'fastpkg' not in out.split('per-package test time')[1].split('sum s:')[0]
    code, out = pytest_run(repo, '--paper', 'slowpkg', '--budget-seconds', '5',
                           '--budget-strict', 'packages/slowpkg', 'tests')
    assert code == 0, out


def test_package_of_and_belongs_to():
    assert package_of('packages/msflow/tests/test_x.py::t') == 'msflow'
    assert package_of('shared/tests/ops/test_y.py::t[cpu]') == 'shared'
    assert package_of('tests/test_configs.py::test_config_loads[msflow/a.py]') == 'repository'

    class Item:
        def __init__(self, nodeid, marks=()):
            self.nodeid, self.marks = nodeid, marks

        def iter_markers(self, name):
            return [m for m in self.marks if m.name == name]

    assert belongs_to(Item('tests/t.py::f[msflow/a.py]'), 'msflow')
    assert belongs_to(Item('tests/t.py::f[msflow]'), 'msflow')
    assert not belongs_to(Item('tests/t.py::f[msflowx/a.py]'), 'msflow')
    assert not belongs_to(Item('tests/t.py::f'), 'msflow')
    assert not belongs_to(Item('shared/tests/t.py::f[msflow]'), 'msflow')
    assert belongs_to(Item('tests/t.py::f', [pytest.mark.paper('msflow').mark]), 'msflow')
