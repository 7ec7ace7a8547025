"""tools/reproduce.py and the logic behind it, on the toy paper."""
import json
import os.path as osp

import pytest
from cvshared.engine.reproduce import aggregate, choose_data, load_spec, results_table
from cvshared.testing import TOY_SPEC
from repo_helpers import load_tool


def test_reproduce_falls_back_to_synthetic(in_tmp_cwd, capsys):
    reproduce = load_tool('reproduce')
    work = str(in_tmp_cwd / 'rep')
    per_run = reproduce.main(['toy', '--spec', 'cvshared.testing:TOY_SPEC',
                              '--work-dir', work])
    out = capsys.readouterr().out
    assert 'NO DATA SET FOUND' in out and 'SYNTHETIC' in out
    assert osp.isfile(in_tmp_cwd / 'data' / 'synthetic' / 'toy' / 'train.txt')
    results = json.load(open(osp.join(work, 'results.json')))
    assert results['synthetic'] is True
    assert results['reported'] == {'toy/accuracy': 100.0}
    assert results['ours']['toy/accuracy'] == pytest.approx(per_run['toy']['toy/accuracy'])
    assert results['ours']['toy/accuracy'] > 0.9
    md = open(osp.join(work, 'results.md')).read()
    assert '| toy/accuracy | 100.0 |' in md and 'synthetic' in md


def test_reproduce_real_data_root(toy_root, in_tmp_cwd, capsys):
    reproduce = load_tool('reproduce')
    work = str(in_tmp_cwd / 'rep')
    reproduce.main(['toy', '--spec', 'cvshared.testing:TOY_SPEC', '--data-root', toy_root,
                    '--work-dir', work])
    assert 'NO DATA SET FOUND' not in capsys.readouterr().out
    assert json.load(open(osp.join(work, 'results.json')))['synthetic'] is False


def test_explicit_missing_data_root_is_an_error(in_tmp_cwd):
    with pytest.raises(FileNotFoundError, match='Expected'):
        choose_data(TOY_SPEC, str(in_tmp_cwd / 'missing'))


def test_unknown_paper_and_run():
    with pytest.raises(SystemExit, match='Unknown paper'):
        load_spec('no_such_paper_xyz')
    with pytest.raises(SystemExit, match='Unknown run'):
        choose_data(TOY_SPEC, None, ['nope'])


def test_aggregate_and_table():
    per_run = {'a': {'m': 0.5, 'n': 1.0}, 'b': {'m': 1.0}}
    assert aggregate(per_run) == {'m': 0.75, 'n': 1.0}
    table = results_table(TOY_SPEC, {'toy/accuracy': 0.875}, False,
                          {'a': {'toy/accuracy': 1.0}, 'b': {'toy/accuracy': 0.75}})
    assert '| toy/accuracy | 100.0 | 87.5 |' in table
    assert '| a | 100.0 |' in table and '| b | 75.0 |' in table


def test_per_metric_scale():
    """Fractions are shown in percent; metrics without a factor (GFLOPs) are shown as they are."""
    from dataclasses import replace
    spec = replace(TOY_SPEC, reported={'toy/accuracy': 100.0, 'flops/gflops': 1.5},
                   metric_scale={'toy/accuracy': 100.0})
    assert spec.scale('toy/accuracy') == 100.0 and spec.scale('flops/gflops') == 1.0
    table = results_table(spec, {'toy/accuracy': 0.5, 'flops/gflops': 1.25}, True, {})
    assert '| toy/accuracy | 100.0 | 50.0 |' in table
    assert '| flops/gflops | 1.5 | 1.2 |' in table
    small = results_table(spec, {'flops/gflops': 0.0015}, True, {})
    assert '| flops/gflops | 1.5 | 0.0015 |' in small  # small values keep 3 significant digits
