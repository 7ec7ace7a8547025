"""pytest plugin: per-package test time against the 40 s budget, and ``--paper KEY`` selection.

Loaded by the root ``conftest.py`` (``pytest_plugins``). A test belongs to a *package* by its
path: ``packages/<key>/...`` -> ``<key>``, ``shared/...`` -> ``shared``, anything else ->
``repository``. On the controller (with xdist the workers' reports arrive there) the plugin
adds up the durations of every phase (setup + call + teardown) of each test per package and
prints, in pytest's terminal summary (so pytest's own ``N passed`` line stays the last line of
the run), one row per package:

    package   passed  failed  skipped  sum s  longest s  est. wall s  budget s  status

``est. wall`` is what the package's suite alone would take on ``-n N`` workers if its tests
were spread perfectly: ``max(sum / N, longest test)``. It does not count the start-up of pytest
and the workers (imports, collection: about 10 s on this machine), which ``time pytest -n 2
packages/<key>`` does include. Paper packages have a budget of ``--budget-seconds`` (40 s, the
DESIGN.md budget); ``shared`` and ``repository`` are shown without one. A package over budget
is marked ``OVER BUDGET``; with ``--budget-strict`` (what ``make test PAPER=<key>`` passes) the
run then fails (exit status 1).

``--paper KEY`` keeps ``packages/KEY`` plus the repository tests that belong to KEY: tests
marked ``@pytest.mark.paper('KEY')`` or whose parametrisation id is ``KEY`` or starts with
``KEY/`` (the per-config and per-package tests of ``tests/`` use such ids); everything else is
deselected. ``make test PAPER=KEY`` uses it.
"""
from __future__ import annotations

import os
import re
import time
from collections import defaultdict

import pytest

DEFAULT_BUDGET_S = 40.0
NON_PAPERS = ('shared', 'repository')


def package_of(nodeid: str) -> str:
    """``packages/msflow/tests/x.py::t`` -> ``msflow``; ``shared/...`` -> ``shared``."""
    path = nodeid.split('::', 1)[0].replace(os.sep, '/')
    parts = path.split('/')
    if len(parts) >= 2 and parts[0] == 'packages':
        return parts[1]
    if parts[0] == 'shared':
        return 'shared'
    return 'repository'


def param_ids(nodeid: str) -> list[str]:
    """The parametrisation id of a node id (``t[msflow/a.py]`` -> ``['msflow/a.py']``)."""
    match = re.search(r'\[(.*)\]$', nodeid.split('::')[-1])
    return [match.group(1)] if match else []


def belongs_to(item, key: str) -> bool:
    """Whether a collected test item is part of paper ``key``'s suite."""
    nodeid = item.nodeid
    if package_of(nodeid) == key:
        return True
    if package_of(nodeid) != 'repository':
        return False
    for mark in item.iter_markers('paper'):
        if key in mark.args:
            return True
    return any(i == key or i.startswith(key + '/') or i.startswith(key + '-')
               for i in param_ids(nodeid))


def pytest_addoption(parser):
    group = parser.getgroup('budget', 'per-package time budget')
    group.addoption('--paper', default=None, metavar='KEY',
                    help='run only packages/KEY and the repository tests of KEY')
    group.addoption('--budget-seconds', type=float, default=DEFAULT_BUDGET_S,
                    help='wall-time budget of one paper package (default %(default)s)')
    group.addoption('--budget-strict', action='store_true',
                    help='fail the run when a paper package is over its budget')


def pytest_configure(config):
    config.addinivalue_line('markers', 'paper(key): a repository test that belongs to paper key')
    if not hasattr(config, 'workerinput'):  # controller (or a run without xdist)
        config.pluginmanager.register(BudgetReporter(config), 'budget_reporter')


def pytest_collection_modifyitems(config, items):
    key = config.getoption('paper')
    if not key:
        return
    keep, drop = [], []
    for item in items:
        (keep if belongs_to(item, key) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class BudgetReporter:
    """Collects the test reports on the controller and prints the per-package table."""

    def __init__(self, config):
        self.config = config
        self.seconds = defaultdict(float)      # package -> sum of phase durations
        self.longest = defaultdict(float)      # package -> longest test (all phases)
        self.longest_id = {}                   # package -> node id of that test
        self.per_test = defaultdict(float)     # nodeid -> sum of its phases
        self.outcome = {}                      # nodeid -> passed / failed / skipped
        self.started = time.monotonic()
        self.over = []

    def pytest_runtest_logreport(self, report):
        nodeid = report.nodeid
        package = package_of(nodeid)
        self.seconds[package] += report.duration
        self.per_test[nodeid] += report.duration
        if self.per_test[nodeid] >= self.longest[package]:
            self.longest[package] = self.per_test[nodeid]
            self.longest_id[package] = nodeid
        previous = self.outcome.get(nodeid)
        if report.failed:
            self.outcome[nodeid] = 'failed'
        elif report.skipped and previous != 'failed':
            self.outcome[nodeid] = 'skipped'   # xfail counts as skipped
        elif report.when == 'call' and report.passed and previous is None:
            self.outcome[nodeid] = 'passed'

    def workers(self) -> int:
        numprocesses = getattr(self.config.option, 'numprocesses', None)
        count = getattr(self.config.option, 'dist', 'no') != 'no' and numprocesses
        if isinstance(count, int) and count > 0:
            return count
        return 1

    def rows(self):
        """``(package, counts, sum, longest, estimate, budget)`` per package, papers first."""
        budget = self.config.getoption('budget_seconds')
        counts = defaultdict(lambda: defaultdict(int))
        for nodeid, outcome in self.outcome.items():
            counts[package_of(nodeid)][outcome] += 1
        packages = sorted(set(counts) | set(self.seconds),
                          key=lambda p: (p in NON_PAPERS, p))
        n = self.workers()
        for package in packages:
            total = self.seconds[package]
            estimate = max(total / n, self.longest[package])
            yield (package, counts[package], total, self.longest[package], estimate,
                   None if package in NON_PAPERS else budget)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        self.over = [row[0] for row in self.rows() if row[5] is not None and row[4] > row[5]]
        if self.over and self.config.getoption('budget_strict') and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        rows = list(self.rows())
        if not rows:
            return
        n = self.workers()
        tr = terminalreporter
        tr.section('per-package test time')
        tr.write_line(f'{"package":<14} {"passed":>6} {"failed":>6} {"skipped":>7} '
                      f'{"sum s":>7} {"longest s":>9} {"est. wall s":>11} {"budget s":>8}  '
                      f'status')
        for package, count, total, longest, estimate, budget in rows:
            status = ''
            if budget is not None:
                status = 'OVER BUDGET' if estimate > budget else 'ok'
            budget_s = f'{budget:.0f}' if budget is not None else '-'
            tr.write_line(f'{package:<14} {count["passed"]:>6} {count["failed"]:>6} '
                          f'{count["skipped"]:>7} {total:>7.1f} {longest:>9.1f} '
                          f'{estimate:>11.1f} {budget_s:>8}  {status}',
                          red=status == 'OVER BUDGET')
        tr.write_line(f'sum s: sum of the setup + call + teardown durations of the package\'s '
                      f'tests; est. wall s = max(sum / {n} worker(s), longest test), start-up '
                      f'not included; this session ran {time.monotonic() - self.started:.1f} s '
                      f'wall in all.')
        if self.over:
            strict = self.config.getoption('budget_strict')
            tr.write_line(f'OVER BUDGET: {", ".join(self.over)}'
                          + (' (--budget-strict: the run fails)' if strict else ''), red=True)
            for package in self.over:
                tr.write_line(f'  {package}: longest test {self.longest_id.get(package)} '
                              f'({self.longest[package]:.1f} s)', red=True)
