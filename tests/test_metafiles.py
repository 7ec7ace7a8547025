"""The model zoo: every ``configs/<key>/metafile.yml`` is valid and agrees with its PaperSpec,
``model-index.yml`` imports them all, and openmim finds our packages' metafiles.

The schema and the agreement rules are in ``tools/papers_table.py`` (docstring). The rules are
exercised on a metafile written here (``_good_metafile``), so each of them is seen to fail.
"""
import copy
import os
import os.path as osp

import pytest
import yaml
from repo_helpers import REPO, load_tool

pt = load_tool('papers_table')
install_mim_links = load_tool('install_mim_links')
KEYS = pt.paper_keys()
COMMIT = '0123456789abcdef0123456789abcdef01234567'


class _Spec:
    """The parts of a PaperSpec the metafile rules read."""

    def __init__(self, runs, synthetic_runs, reported):
        self.runs, self.synthetic_runs, self.reported = runs, synthetic_runs, reported


def _config(key, stem):
    return f'configs/{key}/{stem}.py'


def _good(tmp_path):
    """A tmp repository with two real-data runs and a synthetic one, and its valid metafile."""
    key = 'toy'
    for stem in ('toy_a', 'toy_b', 'toy_synthetic'):
        path = tmp_path / _config(key, stem)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('model = dict()\n')
    (tmp_path / 'packages' / key).mkdir(parents=True)
    (tmp_path / 'packages' / key / 'README.md').write_text('# toy\n')
    spec = _Spec(runs={'a': _config(key, 'toy_a'), 'b': _config(key, 'toy_b')},
                 synthetic_runs={'synthetic': _config(key, 'toy_synthetic')},
                 reported={'toy/acc': 90.0})

    def model(stem, dataset, value):
        return {'Name': stem, 'In Collection': 'TOY', 'Config': _config(key, stem),
                'Results': [{'Task': 'Classification', 'Dataset': dataset,
                             'Metrics': {'toy/acc': value}}]}

    data = {'Collections': [{'Name': 'TOY', 'Paper': {'Title': 'Toy', 'URL': 'https://x.org'},
                             'Code': {'URL': 'https://github.com/a/b', 'Version': COMMIT},
                             'README': f'packages/{key}/README.md'}],
            'Models': [model('toy_a', 'Toy', 89.95), model('toy_b', 'Toy', 90.05),
                       model('toy_synthetic', 'synthetic', 71.0)]}
    return key, data, spec


def test_rules_accept_a_good_metafile(tmp_path):
    key, data, spec = _good(tmp_path)
    assert pt.validate(key, data, spec, repo=str(tmp_path)) == []


def _broken(data, what):
    data = copy.deepcopy(data)
    models = data['Models']
    if what == 'short commit':
        data['Collections'][0]['Code']['Version'] = COMMIT[:7]
    elif what == 'no README':
        data['Collections'][0]['README'] = 'packages/toy/NOPE.md'
    elif what == 'missing config':
        models[0]['Config'] = 'configs/toy/toy_gone.py'
    elif what == 'name is not the stem':
        models[0]['Name'] = 'something'
    elif what == 'unknown collection':
        models[0]['In Collection'] = 'OTHER'
    elif what == 'metric not a number':
        models[0]['Results'][0]['Metrics']['toy/acc'] = '89.9'
    elif what == 'run not covered':
        del models[1]
    elif what == 'mean disagrees':
        models[1]['Results'][0]['Metrics']['toy/acc'] = 91.0   # mean 90.475 vs 90.0
    elif what == 'paper metric in some runs only':
        models[0]['Results'][0]['Metrics'] = {'toy/other': 1.0}
    elif what == 'synthetic not labelled':
        models[2]['Results'][0]['Dataset'] = 'Toy'
    elif what == 'bad weights':
        models[0]['Weights'] = '/home/me/model.pth'
    return data


@pytest.mark.parametrize('what, message', [
    ('short commit', 'full 40-character commit'), ('no README', 'does not exist'),
    ('missing config', 'toy_gone.py does not exist'), ('name is not the stem', 'config stem'),
    ('unknown collection', 'In Collection'), ('metric not a number', 'must be finite numbers'),
    ('run not covered', 'no Models entry for configs/toy/toy_b.py'),
    ('mean disagrees', 'mean of toy/acc over the 2 runs is 90.475'),
    ('paper metric in some runs only', 'toy/acc is given for 1 of the 2 runs'),
    ('synthetic not labelled', 'Dataset: synthetic'), ('bad weights', 'Weights must be')])
def test_rules_reject(tmp_path, what, message):
    key, data, spec = _good(tmp_path)
    problems = pt.validate(key, _broken(data, what), spec, repo=str(tmp_path))
    assert any(message in p for p in problems), (what, problems)


def test_single_run_must_equal_the_paper_figure(tmp_path):
    key, data, spec = _good(tmp_path)
    spec.runs = {'a': spec.runs['a']}
    del data['Models'][1]
    assert pt.validate(key, data, spec, repo=str(tmp_path)) != []    # 89.95 != 90.0
    data['Models'][0]['Results'][0]['Metrics']['toy/acc'] = 90.0
    assert pt.validate(key, data, spec, repo=str(tmp_path)) == []
    data['Models'][0]['Results'][0]['Metrics'] = {'Top 1 Accuracy': 90.0}  # not SPEC's key
    problems = pt.validate(key, data, spec, repo=str(tmp_path))
    assert any("lacks the paper metric 'toy/acc'" in p for p in problems), problems


def test_a_mean_only_metric_may_be_absent_from_every_run(tmp_path):
    key, data, spec = _good(tmp_path)
    spec.reported = {'toy/acc': 90.0, 'toy/mean_only': 80.0}
    assert pt.validate(key, data, spec, repo=str(tmp_path)) == []


@pytest.mark.parametrize('key', KEYS)
def test_metafile_is_valid_and_agrees_with_spec(key):
    from cvshared.engine.reproduce import load_spec
    path = pt.metafile_path(key)
    if not osp.isfile(path):
        pytest.fail(f'configs/{key}/metafile.yml is missing (package template, CONTRIBUTING.md)')
    problems = pt.validate(key, pt.load_metafile(path), load_spec(key))
    assert not problems, '\n'.join(problems)


def test_model_index_imports_every_metafile():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    imports = index.get('Import') or []
    expected = [f'configs/{k}/metafile.yml' for k in KEYS if osp.isfile(pt.metafile_path(k))]
    assert imports == expected, 'run python tools/papers_table.py --write'
    for path in imports:
        assert osp.isfile(osp.join(REPO, path)), path


def test_mim_reads_a_package_metafile(tmp_path, monkeypatch):
    """openmim's own lookup (``<installed module>/.mim/model-index.yml``, made by
    tools/install_mim_links.py) loads our metafile form: ``mim search`` and ``mim list``."""
    from mim.commands import list as mim_list
    from mim.commands import search as mim_search

    key, data, _ = _good(tmp_path)
    metafile = tmp_path / 'configs' / key / 'metafile.yml'
    metafile.write_text(yaml.safe_dump(data, sort_keys=False))
    module_dir = tmp_path / 'site' / key
    module_dir.mkdir(parents=True)
    install_mim_links.link(str(metafile), str(module_dir / '.mim' / 'model-index.yml'), False)
    monkeypatch.setattr(mim_search, 'is_installed', lambda name: name == key)
    monkeypatch.setattr(mim_search, 'get_installed_path', lambda name: str(module_dir))
    index = mim_search.load_metadata_from_local(key)
    frame = mim_search.convert2df(index)
    assert sorted(frame.index) == ['toy_a', 'toy_b', 'toy_synthetic']
    assert 'toy/acc' in ' '.join(frame.columns)
    assert os.path.islink(module_dir / '.mim' / 'model-index.yml')
    assert mim_list  # imported: the same lookup paths (list.py reads .mim/model-index.yml)


@pytest.mark.parametrize('key', KEYS)
def test_mim_finds_installed_package(key):
    """In the installed environment, ``mim search <key>`` and ``mim list`` see the package."""
    from mim.commands.list import list_package
    from mim.commands.search import load_metadata_from_local

    if not osp.isfile(pt.metafile_path(key)):
        pytest.fail(f'configs/{key}/metafile.yml is missing, so mim cannot list {key}')
    if install_mim_links.main(['--check']) != 0:
        pytest.fail('mim links missing: run python tools/install_mim_links.py (make install)')
    names = {m.name for m in load_metadata_from_local(key).models}
    expected = {m['Name'] for m in pt.load_metafile(pt.metafile_path(key))['Models']}
    assert names == expected
    # mim lists distribution names, which pip normalises (PEP 503: '_' -> '-')
    assert key.replace('_', '-') in {row[0].replace('_', '-') for row in list_package()}


def test_per_run_paper_numbers_must_match_the_metafile(tmp_path):
    """A paper whose runs are different benchmarks states each run's number
    (SPEC.reported_per_run); the metafile's run entry must carry that number."""
    key, data, spec = _good(tmp_path)
    spec.reported_per_run = {'a': {'toy/acc': 89.95}, 'b': {'toy/acc': 90.05}}
    assert pt.validate(key, data, spec, repo=str(tmp_path)) == []
    spec.reported_per_run = {'a': {'toy/acc': 90.05}, 'b': {'toy/acc': 89.95}}  # swapped
    problems = pt.validate(key, data, spec, repo=str(tmp_path))
    assert any("SPEC.reported_per_run['a']" in p for p in problems), problems
    spec.reported_per_run = {'c': {'toy/acc': 90.0}}
    problems = pt.validate(key, data, spec, repo=str(tmp_path))
    assert any("names 'c', which is not a run" in p for p in problems), problems


def test_runs_on_different_benchmarks_carry_their_own_metrics(tmp_path):
    """When SPEC.reported_per_run gives every run its numbers, a run may report fewer metrics
    than another (BN-WVAD: UCF-Crime AUC only beside XD-Violence's AP and AUC); each run must
    carry its own numbers, and SPEC.reported is their mean over the runs that give each."""
    key, data, spec = _good(tmp_path)
    data['Models'][0]['Results'][0]['Metrics']['toy/ap'] = 80.0  # run a only
    spec.reported_per_run = {'a': {'toy/acc': 89.95, 'toy/ap': 80.0}, 'b': {'toy/acc': 90.05}}
    spec.reported = {'toy/acc': 90.0, 'toy/ap': 80.0}
    assert pt.validate(key, data, spec, repo=str(tmp_path)) == []
    # the old rule (a metric for all runs or none) would have refused this metafile
    spec.reported_per_run = {}
    problems = pt.validate(key, data, spec, repo=str(tmp_path))
    assert any('all or none' in p for p in problems), problems
    spec.reported_per_run = {'a': {'toy/acc': 89.95, 'toy/ap': 80.0}, 'b': {'toy/acc': 90.05}}
    del data['Models'][0]['Results'][0]['Metrics']['toy/ap']
    problems = pt.validate(key, data, spec, repo=str(tmp_path))
    assert any("lacks 'toy/ap'" in p for p in problems), problems
    data['Models'][0]['Results'][0]['Metrics']['toy/ap'] = 80.0
    spec.reported = {'toy/acc': 90.05, 'toy/ap': 80.0}  # not the runs' mean (90.0)
    problems = pt.validate(key, data, spec, repo=str(tmp_path))
    assert any("SPEC.reported['toy/acc'] is 90.05" in p for p in problems), problems
    spec.reported = {'toy/acc': 90.0}
    problems = pt.validate(key, data, spec, repo=str(tmp_path))
    assert any("SPEC.reported lacks 'toy/ap'" in p for p in problems), problems


def test_papers_table_prints_each_runs_paper_numbers(tmp_path):
    key, data, spec = _good(tmp_path)
    spec.title = 'Toy'
    spec.reported_per_run = {'a': {'toy/acc': 86.75}, 'b': {'toy/acc': 92.93}}
    assert '| a: acc 86.8; b: acc 92.9 |' in pt.table_row(key, spec, data)
    spec.reported_per_run = {}
    assert '| acc 90.0 |' in pt.table_row(key, spec, data)


def test_a_paper_without_numbers_says_so_and_gives_none(tmp_path):
    """SPEC.reported_not_found: the real runs' entries carry no Results (only then), a NaN
    stand-in is refused, and the papers table prints the reason instead of numbers."""
    key, data, spec = _good(tmp_path)
    for m in data['Models'][:2]:
        del m['Results']
    problems = pt.validate(key, data, spec, repo=str(tmp_path))
    assert any('needs Results' in p for p in problems), problems   # numbers are expected
    spec.reported, spec.title = {}, 'Toy'
    spec.reported_not_found = 'the paper prints curves only (read its text and the README)'
    assert pt.validate(key, data, spec, repo=str(tmp_path)) == []
    assert '| not found (the paper prints curves only' in pt.table_row(key, spec, data)
    data['Models'][2]['Results'][0]['Metrics']['toy/acc'] = float('nan')  # synthetic: ours
    problems = pt.validate(key, data, spec, repo=str(tmp_path))
    assert any('finite numbers' in p for p in problems), problems
    data['Models'][2]['Results'] = None   # a synthetic run still needs its Results
    assert any('needs Results' in p for p in pt.validate(key, data, spec, repo=str(tmp_path)))
