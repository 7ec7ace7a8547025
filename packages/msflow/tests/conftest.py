"""Shared fixtures of the msflow tests."""
import os.path as osp

import pytest
from cvshared.checkpoint import load_checkpoint_file

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
GOLDEN = osp.join(osp.dirname(__file__), 'golden')


def load_golden(name: str) -> dict:
    return load_checkpoint_file(osp.join(GOLDEN, name))


@pytest.fixture(scope='session')
def golden():
    """``golden(name)`` loads a golden file of golden/ (see golden/PROVENANCE.md)."""
    return load_golden
