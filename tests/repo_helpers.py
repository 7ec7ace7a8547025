"""Helpers for the repository-level tests (importable: tests/ is on pytest's pythonpath)."""
import importlib.util
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
VENV_BIN = osp.dirname(sys.executable)


def load_tool(name):
    """Import ``tools/<name>.py`` as a module (tools/ is a folder of scripts, not a package)."""
    path = osp.join(REPO, 'tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'_tool_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module




def toy_config():
    from cvshared.testing import TOY_CONFIG
    return TOY_CONFIG
