"""Repository-wide pytest hooks (apply to tests/, shared/tests/ and packages/*/tests/)."""
import pytest

# Per-package time table and budget, `--paper KEY` selection (tests/ is on pytest's pythonpath).
pytest_plugins = ['budget_plugin']


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
