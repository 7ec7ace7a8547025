"""Repository-wide pytest hooks (apply to tests/, shared/tests/ and packages/*/tests/)."""
import os

import pytest

# Per-package time table and budget, `--paper KEY` selection (tests/ is on pytest's pythonpath).
pytest_plugins = ['budget_plugin']


def pytest_configure(config):
    """One intra-op thread per xdist worker, for every test and the processes tests start.

    ``make test`` runs ``-n 2`` on CI's 2 cores. With torch's default of one thread per core,
    the two workers' 2 + 2 threads contend and spin-wait: antico's learning test read 10.9 s in
    one fresh-clone CI run and 64.7 s in the next (12.7 s alone, 30.6 s beside irn's learning
    test). Before this, eight packages' conftests each set one thread (some in an autouse
    fixture, which then held for every later test of the worker, so a test's thread count
    depended on the test order). Child processes (the tools a test runs) inherit
    ``OMP_NUM_THREADS``. A plain ``pytest`` (no workers) keeps torch's default.
    """
    if os.environ.get('PYTEST_XDIST_WORKER'):
        os.environ['OMP_NUM_THREADS'] = '1'
        os.environ['MKL_NUM_THREADS'] = '1'
        import torch
        torch.set_num_threads(1)


def _clear_default_scope() -> None:
    from mmengine.registry import DefaultScope

    DefaultScope._instance_dict.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Each test starts without an mmengine default scope, before any of its fixtures is set up.

    ``DefaultScope`` is process-global: a test or fixture that builds a Runner or calls
    ``init_default_scope('mmseg')`` would otherwise redirect every later ``REGISTRY.build`` in
    the same worker to another codebase's registry, so results would depend on test order.
    Clearing here (not in an autouse fixture) also covers module- and session-scoped fixtures,
    which are set up before any function-scoped fixture runs: a module fixture that trained a
    toy Runner once left the 'mmengine' scope to every later test of its xdist worker, and
    MSFlow's golden model then failed to build in CI's test order only.
    """
    _clear_default_scope()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """... and leaves none behind."""
    _clear_default_scope()
