"""Every paper package exposes a PaperSpec whose configs exist, and a missing data set gives a
clear error that shows the expected directory tree."""
import math
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
    assert len(spec.runs) >= 1 and len(spec.synthetic_runs) >= 1
    if spec.reported_not_found:
        # no paper number found: say where we looked, and give none (not a guess, not NaN)
        assert not spec.reported and len(spec.reported_not_found.split()) >= 8, \
            'reported_not_found: leave SPEC.reported empty and say where you looked'
    else:
        assert len(spec.reported) >= 1, 'SPEC.reported: the paper\'s numbers (or set ' \
            'reported_not_found, saying where you looked)'
    for config in list(spec.runs.values()) + list(spec.synthetic_runs.values()):
        assert config.replace(os.sep, '/').startswith(f'configs/{key}/'), \
            f'{config}: a run of {key} must be a config of configs/{key}/'
        assert osp.isfile(osp.join(REPO, config)), config
    for metric, value in spec.reported.items():
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (metric, value)
        assert math.isfinite(value), f'{metric}: {value} (no number found: reported_not_found)'
        assert spec.scale(metric) > 0, metric
    if not isinstance(spec.metric_scale, (int, float)):
        unknown = set(spec.metric_scale) - set(spec.reported)
        assert not unknown or all('/' in m for m in unknown), unknown
    assert callable(spec.make_synthetic) and callable(spec.check_data)


@pytest.mark.parametrize('key', PAPERS)
def test_missing_data_shows_expected_tree(key, tmp_path):
    spec = load_spec(key)
    run = next(iter(spec.runs))
    with pytest.raises(FileNotFoundError) as err:
        spec.check_data(str(tmp_path / 'empty'), run)
    message = str(err.value)
    assert str(tmp_path / 'empty') in message, 'the error must name the path it looked at'
    assert message.count('\n') >= 2, 'the error must show the expected directory tree'
