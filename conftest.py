"""Repository-wide pytest fixtures (apply to tests/, shared/tests/ and packages/*/tests/)."""
import pytest

# Per-package time table and budget, `--paper KEY` selection (tests/ is on pytest's pythonpath).
pytest_plugins = ['budget_plugin']


@pytest.fixture(autouse=True)
def _isolated_default_scope():
    """Each test starts without an mmengine default scope and leaves none behind.

    ``DefaultScope`` is process-global: a test that builds a Runner or calls
    ``init_default_scope('mmseg')`` would otherwise redirect every later ``REGISTRY.build`` in
    the same worker to another codebase's registry, so results would depend on test order.
    """
    from mmengine.registry import DefaultScope

    saved = dict(DefaultScope._instance_dict)
    DefaultScope._instance_dict.clear()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(saved)
