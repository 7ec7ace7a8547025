"""cvshared.engine.stages, tools/stage.py and the staged branch of tools/reproduce.py, on toy
pipelines: call stages that write files, and one tiny mmengine train + test stage (the toy
logistic regression of cvshared.testing)."""
import json
import os
import os.path as osp

import pytest
import torch
from cvshared.engine.stages import (
    STAGE_DONE,
    Pipeline,
    Stage,
    StageError,
    StageOrderError,
    bind_stage_inputs,
)
from mmengine.config import Config
from repo_helpers import load_tool

torch.set_num_threads(1)

CALLS = []


def make_a(cfg, work_dir, inputs):
    CALLS.append('a')
    with open(osp.join(work_dir, 'a.txt'), 'w') as f:
        f.write('1')


def make_b(cfg, work_dir, inputs):
    CALLS.append('b')
    value = int(open(osp.join(inputs['a'], 'a.txt')).read())
    with open(osp.join(work_dir, 'b.txt'), 'w') as f:
        f.write(str(value + 1))
    return {'value': value + 1}


def make_c(cfg, work_dir, inputs):
    CALLS.append('c')
    value = int(open(osp.join(inputs['b'], 'b.txt')).read())
    return {'value': value * 10, 'root_len': len(str(cfg.data_root))}


def boom(cfg, work_dir, inputs):
    CALLS.append('boom')
    with open(osp.join(work_dir, 'partial.txt'), 'w') as f:
        f.write('half')
    raise RuntimeError('label step failed')


def toy_pipeline(c_fn=make_c):
    return Pipeline([Stage('a', 'call', fn=make_a),
                     Stage('b', 'call', fn=make_b, requires=('a',)),
                     Stage('c', 'call', fn=c_fn, requires=('b',), output='c_out')],
                    paper='toy')


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


def test_order_error_names_the_stage_to_run_first(tmp_path):
    with pytest.raises(StageOrderError) as err:
        toy_pipeline().run(str(tmp_path), only='b', data_root='d')
    msg = str(err.value)
    assert "needs the output of stage 'a'" in msg
    assert f'python tools/stage.py toy a --work-dir {tmp_path}' in msg
    assert CALLS == []


def test_runs_in_order_then_resume_skips_complete_stages(tmp_path):
    pipe = toy_pipeline()
    metrics = pipe.run(str(tmp_path), data_root='d')
    assert CALLS == ['a', 'b', 'c']
    assert metrics == {'b': {'value': 2.0}, 'c': {'value': 20.0, 'root_len': 1.0}}
    info = json.load(open(tmp_path / 'c_out' / STAGE_DONE))
    assert info['stage'] == 'c' and info['metrics'] == {'value': 20.0, 'root_len': 1.0}
    CALLS.clear()
    again = pipe.run(str(tmp_path), data_root='d')
    assert CALLS == []  # every stage complete: skipped, metrics read back from the markers
    assert again == metrics


def test_force_reruns_and_rerun_invalidates_dependents(tmp_path):
    pipe = toy_pipeline()
    pipe.run(str(tmp_path), data_root='d')
    CALLS.clear()
    pipe.run(str(tmp_path), force=True, data_root='d')
    assert CALLS == ['a', 'b', 'c']
    CALLS.clear()
    pipe.run(str(tmp_path), only='a', force=True, data_root='d')
    assert CALLS == ['a']
    assert not (tmp_path / 'b' / STAGE_DONE).exists()  # reads a: must be made again
    assert not (tmp_path / 'c_out' / STAGE_DONE).exists()
    CALLS.clear()
    pipe.run(str(tmp_path), data_root='d')
    assert CALLS == ['b', 'c']


def test_failing_stage_leaves_no_marker(tmp_path):
    pipe = toy_pipeline(c_fn=boom)
    with pytest.raises(RuntimeError, match='label step failed'):
        pipe.run(str(tmp_path), data_root='d')
    assert (tmp_path / 'b' / STAGE_DONE).exists()
    assert (tmp_path / 'c_out' / 'partial.txt').exists()
    assert not (tmp_path / 'c_out' / STAGE_DONE).exists()
    CALLS.clear()
    with pytest.raises(RuntimeError):  # not skipped the second time
        pipe.run(str(tmp_path), data_root='d')
    assert CALLS == ['boom']


def test_other_data_root_is_not_reused(tmp_path):
    pipe = toy_pipeline()
    pipe.run(str(tmp_path), only='a', data_root='data/synthetic/toy')
    with pytest.raises(StageError, match='was made from the data root'):
        pipe.run(str(tmp_path), only='a', data_root='data/VOC2012')


def test_bad_definitions():
    with pytest.raises(ValueError, match='a later stage'):
        Pipeline([Stage('b', 'call', fn=make_b, requires=('a',)), Stage('a', 'call', fn=make_a)])
    with pytest.raises(ValueError, match='not a stage'):
        Pipeline([Stage('b', 'call', fn=make_b, requires=('x',))])
    with pytest.raises(ValueError, match='needs a config'):
        Stage('t', 'train')
    with pytest.raises(ValueError, match='kind'):
        Stage('t', 'fit', config='x.py')
    with pytest.raises(KeyError, match='valid stages: a, b, c'):
        toy_pipeline()['nope']


def test_call_stage_must_return_metrics_or_none(tmp_path):
    pipe = Pipeline([Stage('a', 'call', fn=lambda cfg, w, i: [1, 2])])
    with pytest.raises(StageError, match='returned a list'):
        pipe.run(str(tmp_path))
    assert not (tmp_path / 'a' / STAGE_DONE).exists()


def test_bind_stage_inputs_replaces_the_defaults_where_used(tmp_path):
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text(
        "stage_inputs = dict(rw='work_dirs/reproduce/p/rw', cam='work_dirs/reproduce/p/cam')\n"
        "cam_train_checkpoint = 'work_dirs/reproduce/p/cam_train/x.pth'\n"
        "ds = dict(ann_dir=stage_inputs['rw'] + '/sem', other='work_dirs/reproduce/p/rwx',\n"
        "          seq=[stage_inputs['rw'], 'keep'])\n"
        "model = dict(init=cam_train_checkpoint)\n")
    cfg = Config.fromfile(str(cfg_file))
    bind_stage_inputs(cfg, {'rw': '/w/rw', 'cam_train': '/w/ct',
                            'cam_train_checkpoint': '/w/ct/epoch_1.pth'})
    assert cfg.ds.ann_dir == '/w/rw/sem'
    assert cfg.ds.other == 'work_dirs/reproduce/p/rwx'  # a prefix, not the folder: kept
    assert cfg.ds.seq == ['/w/rw', 'keep']
    assert cfg.stage_inputs == {'rw': '/w/rw', 'cam': 'work_dirs/reproduce/p/cam'}
    assert cfg.model.init == '/w/ct/epoch_1.pth' and cfg.cam_train_checkpoint == cfg.model.init
    with pytest.raises(StageError, match="no entry 'lbl'"):  # a label folder must be declared
        bind_stage_inputs(Config.fromfile(str(cfg_file)), {'lbl': '/w/lbl'}, 'x')
    with pytest.raises(StageError, match="declares no 'stage_inputs'"):
        bind_stage_inputs(Config(dict(a=1)), {'lbl': '/w/lbl'}, 'x')


def _toy_train_test(tmp_path):
    from cvshared.testing import TOY_CONFIG, make_toy_data
    root = str(tmp_path / 'toy_data')
    make_toy_data(root)
    return root, Pipeline([Stage('fit', 'train', config=TOY_CONFIG),
                           Stage('evaluate', 'test', config=TOY_CONFIG, requires=('fit',))],
                          paper='toy')


def test_train_then_test_stage_loads_the_trained_checkpoint(tmp_path):
    root, pipe = _toy_train_test(tmp_path)
    work = str(tmp_path / 'w')
    metrics = pipe.run(work, data_root=root, cfg_options={'train_cfg.max_epochs': 2})
    info = json.load(open(osp.join(work, 'fit', STAGE_DONE)))
    assert osp.isfile(info['checkpoint']) and info['checkpoint'].endswith('epoch_2.pth')
    # the two-blob toy is separable: the trained weights classify it; random ones would not
    # reliably (an untrained test stage would report about 0.5)
    assert metrics['evaluate']['toy/accuracy'] > 0.9
    # the test stage really loaded the checkpoint: with the weights negated it is wrong
    from cvshared.checkpoint import load_checkpoint_file
    ckpt = load_checkpoint_file(info['checkpoint'])
    ckpt['state_dict'] = {k: -v for k, v in ckpt['state_dict'].items()}
    torch.save(ckpt, info['checkpoint'])
    again = pipe.run(work, only='evaluate', force=True, data_root=root)
    assert again['evaluate']['toy/accuracy'] < 0.1


def test_reproduce_runs_a_staged_paper(tmp_path, monkeypatch, capsys):
    import dataclasses

    from cvshared.testing import TOY_SPEC
    root, pipe = _toy_train_test(tmp_path)
    spec = dataclasses.replace(TOY_SPEC, pipeline=pipe,
                               reported={'evaluate/toy/accuracy': 100.0})
    reproduce = load_tool('reproduce')
    monkeypatch.setattr(reproduce, 'load_spec', lambda key, path=None: spec)
    work = str(tmp_path / 'w')
    per_run = reproduce.main(['toy', '--data-root', root, '--work-dir', work,
                              '--cfg-options', 'train_cfg.max_epochs=1'])
    assert list(per_run) == ['pipeline'] and per_run['pipeline']['evaluate/toy/accuracy'] > 0.9
    out = capsys.readouterr().out
    assert '| evaluate/toy/accuracy | 100.0 |' in out
    assert '[stage] fit: start' in out and '[stage] evaluate: done' in out
    payload = json.load(open(osp.join(work, 'results.json')))
    assert payload['ours'] == per_run['pipeline']
    # resumable: a second reproduce trains nothing
    reproduce.main(['toy', '--data-root', root, '--work-dir', work])
    out = capsys.readouterr().out
    assert '[stage] fit: skipped' in out and '[stage] evaluate: skipped' in out


def test_stage_tool_lists_valid_stages(tmp_path, monkeypatch):
    import dataclasses

    from cvshared.testing import TOY_SPEC
    spec = dataclasses.replace(TOY_SPEC, pipeline=toy_pipeline())
    stage = load_tool('stage')
    monkeypatch.setattr(stage, 'load_spec', lambda key, path=None: spec)
    work = str(tmp_path / 'w')
    with pytest.raises(SystemExit, match=r"no stage 'x'(.|\n)*1\. a (.|\n)*3\. c"):
        stage.main(['toy', 'x', '--work-dir', work, '--data-root', str(tmp_path / 'none')])
    with pytest.raises(SystemExit, match='Run it first: python tools/stage.py toy a'):
        stage.main(['toy', 'b', '--work-dir', work, '--synthetic',
                    '--synthetic-root', str(tmp_path / 'syn')])
    assert stage.main(['toy', 'all', '--work-dir', work, '--synthetic',
                       '--synthetic-root', str(tmp_path / 'syn')])['c']['value'] == 20.0


def test_interrupted_train_stage_resumes_its_checkpoint(tmp_path, capsys):
    root, pipe = _toy_train_test(tmp_path)
    work = str(tmp_path / 'w')
    pipe.run(work, only='fit', data_root=root, cfg_options={'train_cfg.max_epochs': 1})
    os.remove(osp.join(work, 'fit', STAGE_DONE))  # as if killed after its first checkpoint
    first = osp.join(work, 'fit', 'epoch_1.pth')
    stamp = os.stat(first).st_mtime_ns
    capsys.readouterr()
    pipe.run(work, only='fit', data_root=root, cfg_options={'train_cfg.max_epochs': 2})
    out = capsys.readouterr().out
    assert 'fit: resuming the interrupted training' in out
    assert os.stat(first).st_mtime_ns == stamp  # epoch 1 not trained (and saved) again
    info = json.load(open(osp.join(work, 'fit', STAGE_DONE)))
    assert info['checkpoint'].endswith('epoch_2.pth')


def test_synthetic_pipeline_is_chosen_for_synthetic_data():
    import dataclasses

    from cvshared.testing import TOY_SPEC
    real, syn = toy_pipeline(), Pipeline([Stage('a', 'call', fn=make_a)])
    spec = dataclasses.replace(TOY_SPEC, pipeline=real, synthetic_pipeline=syn)
    assert spec.pipeline_for(False) is real and spec.pipeline_for(True) is syn
    assert dataclasses.replace(TOY_SPEC, pipeline=real).pipeline_for(True) is real


def test_rerun_input_makes_a_dependent_train_stage_train_anew(tmp_path, capsys):
    """A finished train stage whose input is rerun must train again on the new input, not
    resume its old run (which ends at once: it is at its last epoch already)."""
    from cvshared.testing import TOY_CONFIG, make_toy_data
    root = str(tmp_path / 'toy_data')
    make_toy_data(root)
    config = tmp_path / 'fit_on_a.py'
    config.write_text(f"_base_ = [{TOY_CONFIG!r}]\n"
                      "stage_inputs = dict(a='work_dirs/reproduce/toy/a')\n")
    pipe = Pipeline([Stage('a', 'call', fn=make_a),
                     Stage('fit', 'train', config=str(config), requires=('a',))], paper='toy')
    work = str(tmp_path / 'w')
    pipe.run(work, data_root=root, cfg_options={'train_cfg.max_epochs': 1})
    first = osp.join(work, 'fit', 'epoch_1.pth')
    stamp = os.stat(first).st_mtime_ns
    pipe.run(work, only='a', force=True, data_root=root)
    capsys.readouterr()
    pipe.run(work, data_root=root, cfg_options={'train_cfg.max_epochs': 1})
    out = capsys.readouterr().out
    assert '[stage] fit: start' in out and 'resuming' not in out
    assert os.stat(first).st_mtime_ns != stamp  # epoch 1 trained again on the new input
