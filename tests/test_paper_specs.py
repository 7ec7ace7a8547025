"""Every paper package exposes a PaperSpec whose configs exist, and a missing data set gives a
clear error that shows the expected directory tree."""
import os
import os.path as osp

import pytest
from cvshared.engine.reproduce import load_spec
from repo_helpers import REPO

PAPERS = sorted(d for d in os.listdir(osp.join(REPO, 'packages'))
                if osp.isfile(osp.join(REPO, 'packages', d, 'pyproject.toml'))) \
    if osp.isdir(osp.join(REPO, 'packages')) else []


@pytest.mark.parametrize('key', PAPERS)
def test_spec_is_complete(key):
    spec = load_spec(key)
    assert spec.key == key
    assert spec.runs and spec.synthetic_runs and spec.reported
    for config in list(spec.runs.values()) + list(spec.synthetic_runs.values()):
        assert osp.isfile(osp.join(REPO, config)) or osp.isfile(config), config


@pytest.mark.parametrize('key', PAPERS)
def test_missing_data_shows_expected_tree(key, tmp_path):
    spec = load_spec(key)
    run = next(iter(spec.runs))
    with pytest.raises(FileNotFoundError) as err:
        spec.check_data(str(tmp_path / 'empty'), run)
    message = str(err.value)
    assert str(tmp_path / 'empty') in message, 'the error must name the path it looked at'
    assert message.count('\n') >= 2, 'the error must show the expected directory tree'
