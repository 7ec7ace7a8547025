"""The root conftest clears mmengine's process-global DefaultScope before every test, before its
module- and session-scoped fixtures are set up (a module fixture that trained a toy Runner once
left the 'mmengine' scope to every later test of its worker, and MSFlow's golden model failed to
build in CI's order only). Two tests, in file order on one worker: the first leaks a scope from a
module fixture, the second's module fixture must not see it."""
import pytest
from mmengine.registry import DefaultScope, init_default_scope


@pytest.fixture(scope='module')
def leaks_a_scope():
    init_default_scope('mmengine')
    return DefaultScope.get_current_instance().scope_name


@pytest.fixture(scope='module')
def sees_the_scope():
    current = DefaultScope.get_current_instance()
    return None if current is None else current.scope_name


def test_a_module_fixture_sets_a_scope(leaks_a_scope):
    assert leaks_a_scope == 'mmengine'
    assert DefaultScope.get_current_instance() is not None


def test_the_next_module_fixture_starts_clean(sees_the_scope):
    assert sees_the_scope is None
