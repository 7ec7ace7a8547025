"""tools/reproduce.py and the logic behind it, on the toy paper."""
import json
import os
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
    assert '| toy/accuracy | 100.0 | single-scale |' in md and 'synthetic' in md
    assert results['protocol'] == {'toy/accuracy': 'single-scale'}
    assert results['our_protocol'] == 'single-scale'


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


def _valid_keys() -> str:
    """The folders of packages/ holding a pyproject (listed here independently of paper_keys)."""
    root = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'packages')
    keys = sorted(k for k in os.listdir(root) if osp.isfile(osp.join(root, k, 'pyproject.toml')))
    assert {'hfan', 'msflow', 'stts'} <= set(keys)
    return 'Valid PAPER= keys: ' + ', '.join(keys)


def test_unknown_paper_and_run():
    with pytest.raises(SystemExit, match='Unknown paper') as err:
        load_spec('no_such_paper_xyz')
    assert _valid_keys() in str(err.value)
    with pytest.raises(SystemExit, match='Unknown run'):
        choose_data(TOY_SPEC, None, ['nope'])


def test_paper_key_that_is_a_module_but_not_a_paper():
    """`make reproduce PAPER=cvshared` raised AttributeError (cvshared.paper has no SPEC)."""
    with pytest.raises(SystemExit, match=r"Unknown paper 'cvshared' \(cvshared.paper has no "
                       r"SPEC") as err:
        load_spec('cvshared')
    assert _valid_keys() in str(err.value)


def test_category_without_data_root_is_refused(in_tmp_cwd):
    """`make reproduce PAPER=msflow CATEGORY=bottle` without DATA_ROOT used to run synthetic."""
    from dataclasses import replace
    spec = replace(TOY_SPEC, runs={'real_a': TOY_SPEC.runs['toy']},
                   synthetic_runs={'synthetic': TOY_SPEC.runs['toy']})
    with pytest.raises(SystemExit, match=r'real_a \(CATEGORY=/--run\) select the real '
                       r'benchmark.*DATA_ROOT=.*synthetic'):
        choose_data(spec, None, ['real_a'])
    choice = choose_data(spec, None, ['synthetic'])  # naming a synthetic run is fine
    assert choice.synthetic and list(choice.runs) == ['synthetic']
    reproduce = load_tool('reproduce')
    with pytest.raises(SystemExit, match='select the real benchmark'):
        reproduce.main(['msflow', '--run', 'bottle', '--work-dir', str(in_tmp_cwd / 'w')])


def test_reproduce_tta_protocol_in_table(in_tmp_cwd):
    reproduce = load_tool('reproduce')
    work = str(in_tmp_cwd / 'rep')
    reproduce.main(['toy', '--spec', 'cvshared.testing:TOY_SPEC', '--work-dir', work,
                    '--tta', '--cfg-options', 'train_cfg.max_epochs=2'])
    md = open(osp.join(work, 'results.md')).read()
    assert '| toy/accuracy | 100.0 | single-scale |' in md
    assert '| two views (x, -x) (differs) |' in md
    assert 'Protocols differ for toy/accuracy' in md
    results = json.load(open(osp.join(work, 'results.json')))
    assert results['our_protocol'] == 'two views (x, -x)'
    # the toy TTA averages x and -x: accuracy falls to one class's share, so TTA really ran
    assert results['ours']['toy/accuracy'] < 0.8


def test_aggregate_and_table():
    per_run = {'a': {'m': 0.5, 'n': 1.0}, 'b': {'m': 1.0}}
    assert aggregate(per_run) == {'m': 0.75, 'n': 1.0}
    table = results_table(TOY_SPEC, {'toy/accuracy': 0.875}, False,
                          {'a': {'toy/accuracy': 1.0}, 'b': {'toy/accuracy': 0.75}})
    assert '| toy/accuracy | 100.0 | single-scale | 87.5 | single-scale |' in table
    assert 'differ' not in table
    assert '| a | 100.0 |' in table and '| b | 75.0 |' in table


def test_per_metric_scale():
    """Fractions are shown in percent; metrics without a factor (GFLOPs) are shown as they are."""
    from dataclasses import replace
    spec = replace(TOY_SPEC, reported={'toy/accuracy': 100.0, 'flops/gflops': 1.5},
                   metric_scale={'toy/accuracy': 100.0})
    assert spec.scale('toy/accuracy') == 100.0 and spec.scale('flops/gflops') == 1.0
    table = results_table(spec, {'toy/accuracy': 0.5, 'flops/gflops': 1.25}, True, {})
    assert '| toy/accuracy | 100.0 | single-scale | 50.0 |' in table
    assert '| flops/gflops | 1.5 | - | 1.2 |' in table
    small = results_table(spec, {'flops/gflops': 0.0015}, True, {})
    assert '| flops/gflops | 1.5 | - | 0.0015 |' in small  # small values: 3 significant digits


def test_protocol_per_metric():
    from dataclasses import replace
    spec = replace(TOY_SPEC, protocol={'toy/accuracy': 'multi-scale + flip'})
    table = results_table(spec, {'toy/accuracy': 0.5}, False, {})
    assert '| toy/accuracy | 100.0 | multi-scale + flip | 50.0 | single-scale (differs) |' \
        in table
    assert 'try --tta' in table
    table = results_table(replace(spec, tta_protocol='multi-scale + flip'),
                          {'toy/accuracy': 0.5}, False, {}, tta=True)
    assert '| multi-scale + flip |' in table and 'differ' not in table


def test_synthetic_generation_is_all_or_nothing(tmp_path):
    """The set appears at its root only when complete: an interrupted generation leaves no
    partial set behind, and a folder without the completion marker is an error naming it
    (it was used as it was: a later run trained on the partial set)."""
    from dataclasses import replace

    from cvshared.engine.reproduce import ensure_synthetic, synthetic_complete

    def interrupted(root):
        open(osp.join(root, 'train.txt'), 'w').write('0.1 0.2 1\n')
        raise KeyboardInterrupt

    root = str(tmp_path / 'toy')
    with pytest.raises(KeyboardInterrupt):
        ensure_synthetic(replace(TOY_SPEC, make_synthetic=interrupted), root)
    assert not osp.exists(root) and sorted(os.listdir(tmp_path)) == []
    ensure_synthetic(TOY_SPEC, root)
    assert synthetic_complete(root) and osp.isfile(osp.join(root, 'test.txt'))
    os.remove(osp.join(root, '.synthetic_complete'))  # as an old interrupted run left it
    with pytest.raises(FileExistsError, match='incomplete synthetic data set.*Delete the folder'):
        ensure_synthetic(TOY_SPEC, root)


def test_a_set_written_by_other_generator_code_is_refused(tmp_path):
    """A complete set whose generator changed since (psa's moved to 112 px marked objects) was
    used as it was, and its finished stages with it: now it is an error naming the folder, the
    two fingerprints and what to delete; the same generator's set is reused."""
    from dataclasses import replace

    from cvshared.engine.reproduce import ensure_synthetic, synthetic_fingerprint
    from cvshared.testing import make_toy_data

    root = str(tmp_path / 'toy')
    ensure_synthetic(TOY_SPEC, root)
    assert ensure_synthetic(TOY_SPEC, root) == root       # same code: reused
    other = replace(TOY_SPEC, make_synthetic=lambda r: make_toy_data(r, n_train=8))
    assert synthetic_fingerprint(other) != synthetic_fingerprint(TOY_SPEC)
    with pytest.raises(FileExistsError, match=r'other generator code.*Delete the folder.*'
                                              r'work_dirs/reproduce/toy'):
        ensure_synthetic(other, root)
    marker = osp.join(root, '.synthetic_complete')
    open(marker, 'w').write('synthetic data set of toy\n')  # as sets made before fingerprints
    with pytest.raises(FileExistsError, match='no fingerprint'):
        ensure_synthetic(TOY_SPEC, root)


def test_a_run_selection_is_compared_with_its_own_paper_numbers():
    """UMIL reports UCF-Crime 86.75 and TAD 92.93: `--run tad` must print 92.9 as the paper's
    number (not the mean 89.84), both runs the mean, and the per-run table each run's own."""
    from dataclasses import replace
    spec = replace(TOY_SPEC, runs={'ucf': 'a.py', 'tad': 'b.py'},
                   reported={'toy/accuracy': 89.84},
                   reported_per_run={'ucf': {'toy/accuracy': 86.75},
                                     'tad': {'toy/accuracy': 92.93}})
    assert spec.reported_for(['tad']) == {'toy/accuracy': 92.93}
    assert spec.reported_for(['ucf', 'tad']) == pytest.approx({'toy/accuracy': 89.84})
    assert spec.reported_for(['synthetic']) == {'toy/accuracy': 89.84}
    one = results_table(spec, {'toy/accuracy': 0.9}, False, {'tad': {'toy/accuracy': 0.9}})
    assert '| toy/accuracy | 92.9 |' in one
    both = results_table(spec, {'toy/accuracy': 0.9}, False,
                         {'ucf': {'toy/accuracy': 0.88}, 'tad': {'toy/accuracy': 0.92}})
    assert '| toy/accuracy | 89.8 |' in both
    assert '| ucf | 88.0 (paper 86.8) |' in both and '| tad | 92.0 (paper 92.9) |' in both
