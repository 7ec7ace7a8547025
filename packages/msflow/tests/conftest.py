"""Shared fixtures of the msflow tests."""
import importlib.util
import os.path as osp

import pytest
import torch

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
DATA = osp.join(osp.dirname(__file__), 'data')


def load_golden(name: str) -> dict:
    return torch.load(osp.join(DATA, name), map_location='cpu', weights_only=True)


@pytest.fixture(scope='session')
def golden():
    """``golden(name)`` loads a golden file of data/ (see data/PROVENANCE.md)."""
    return load_golden


@pytest.fixture(scope='session')
def converter():
    path = osp.join(REPO, 'tools', 'model_converters', 'msflow_official_to_ours.py')
    spec = importlib.util.spec_from_file_location('msflow_official_to_ours', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
