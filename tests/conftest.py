"""Fixtures for the repository-level tests (tools, configs, registries, stack fixes)."""
import os

import pytest
from repo_helpers import VENV_BIN


@pytest.fixture
def toy_root(tmp_path):
    from cvshared.testing import make_toy_data
    root = tmp_path / 'toy_data'
    make_toy_data(str(root))
    return str(root)


@pytest.fixture
def in_tmp_cwd(tmp_path, monkeypatch):
    """Run in an empty folder so nothing is found at configs' default data roots."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv('DATA_ROOT', raising=False)
    return tmp_path


@pytest.fixture
def env_with_venv():
    env = dict(os.environ)
    env['PATH'] = VENV_BIN + os.pathsep + env.get('PATH', '')
    return env
