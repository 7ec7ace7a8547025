"""tools/: train, resume, test, show-dir, tta, strict loading, config checks, amp, mim, torchrun
launchers, benchmark, on the toy config of cvshared.testing (a logistic regression that trains
in a second)."""
import glob
import json
import os
import os.path as osp
import signal
import socket
import subprocess
import sys

import pytest
import torch
from cvshared.checkpoint import load_checkpoint_file
from cvshared.engine.config_check import ConfigKeyError, RegistryKeyError, check_config_keys
from cvshared.engine.launch import enable_amp, enable_show_dir, enable_tta, load_config
from cvshared.engine.weights import StrictLoadError, summarise_keys
from repo_helpers import REPO, load_tool, toy_config


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A toy model trained for 2 epochs: (data root, work dir, checkpoint)."""
    from cvshared.testing import make_toy_data
    base = tmp_path_factory.mktemp('trained')
    root = str(base / 'toy_data')
    make_toy_data(root)
    work = str(base / 'work')
    load_tool('train').main([toy_config(), '--work-dir', work, '--data-root', root,
                             '--cfg-options', 'train_cfg.max_epochs=2'])
    return root, work, osp.join(work, 'epoch_2.pth')


def test_train_resume_test(toy_root, tmp_path):
    train, test = load_tool('train'), load_tool('test')
    work = str(tmp_path / 'work')
    train.main([toy_config(), '--work-dir', work, '--data-root', toy_root,
                '--cfg-options', 'train_cfg.max_epochs=2'])
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    # --resume continues from the latest checkpoint: epoch 3 and 4 are new, 1-2 not redone.
    mtime = os.path.getmtime(osp.join(work, 'epoch_1.pth'))
    train.main([toy_config(), '--work-dir', work, '--data-root', toy_root, '--resume',
                '--cfg-options', 'train_cfg.max_epochs=4'])
    assert osp.isfile(osp.join(work, 'epoch_4.pth'))
    assert os.path.getmtime(osp.join(work, 'epoch_1.pth')) == mtime
    ckpt = load_checkpoint_file(osp.join(work, 'epoch_4.pth'))
    assert ckpt['meta']['epoch'] == 4
    out = str(tmp_path / 'metrics.json')
    metrics = test.main([toy_config(), osp.join(work, 'epoch_4.pth'), '--work-dir', work,
                         '--data-root', toy_root, '--out', out])
    assert metrics['toy/accuracy'] > 0.9  # separable blobs: the model must have learned
    assert json.load(open(out))['toy/accuracy'] == pytest.approx(metrics['toy/accuracy'])


def test_test_loads_the_given_weights(trained, tmp_path):
    """tools/test.py evaluates exactly the checkpoint's weights (not a random init): flipping
    the sign of the weights flips every prediction, so accuracy becomes 1 - accuracy."""
    root, work, ckpt = trained
    test = load_tool('test')
    good = test.main([toy_config(), ckpt, '--work-dir', str(tmp_path / 'a'),
                      '--data-root', root])['toy/accuracy']
    state = load_checkpoint_file(ckpt)['state_dict']
    flipped = str(tmp_path / 'flipped.pth')
    torch.save({'state_dict': {k: -v for k, v in state.items()}, 'meta': {}}, flipped)
    bad = test.main([toy_config(), flipped, '--work-dir', str(tmp_path / 'b'),
                     '--data-root', root])['toy/accuracy']
    assert good > 0.9
    assert bad == pytest.approx(1 - good)


def test_resume_from_given_checkpoint(trained, tmp_path):
    root, work, _ = trained
    train = load_tool('train')
    other = str(tmp_path / 'other')
    train.main([toy_config(), '--work-dir', other, '--data-root', root,
                '--resume', osp.join(work, 'epoch_1.pth'),
                '--cfg-options', 'train_cfg.max_epochs=2'])
    assert not osp.exists(osp.join(other, 'epoch_1.pth'))
    assert osp.isfile(osp.join(other, 'epoch_2.pth'))


def _other_model_checkpoint(path, ckpt=None):
    """A checkpoint of 'another model': keys that the toy classifier does not have."""
    torch.save({'state_dict': {'backbone.conv1.weight': torch.zeros(4, 3, 3, 3),
                               'backbone.conv1.bias': torch.zeros(4),
                               'head.fc.weight': torch.zeros(2, 4)}, 'meta': {}}, path)
    return str(path)


def test_test_is_strict_with_another_models_checkpoint(trained, tmp_path):
    """Today: logs 'do not match exactly', evaluates random weights, exits 0."""
    root, _, _ = trained
    other = _other_model_checkpoint(tmp_path / 'other.pth')
    with pytest.raises(StrictLoadError) as err:
        load_tool('test').main([toy_config(), other, '--work-dir', str(tmp_path / 'w'),
                                '--data-root', root])
    text = str(err.value)
    assert 'missing in the checkpoint: 2 keys: linear.* (2: linear.bias, linear.weight)' in text
    assert 'unexpected in the checkpoint: 3 keys' in text and 'backbone.conv1.*' in text
    assert 'likely cause: No key of the checkpoint matches' in text
    assert 'model_converters' in text and '--non-strict' in text


def test_shape_mismatch_is_named(trained, tmp_path):
    root, _, ckpt = trained
    state = load_checkpoint_file(ckpt)['state_dict']
    state['linear.weight'] = torch.zeros(1, 3)
    bad = str(tmp_path / 'shape.pth')
    torch.save({'state_dict': state}, bad)
    with pytest.raises(StrictLoadError, match=r'linear.weight \(1, 3\) vs model \(1, 2\)'):
        load_tool('test').main([toy_config(), bad, '--work-dir', str(tmp_path / 'w'),
                                '--data-root', root])


def test_non_strict_loads_what_matches(trained, tmp_path):
    root, _, ckpt = trained
    state = load_checkpoint_file(ckpt)['state_dict']
    partial = str(tmp_path / 'partial.pth')
    torch.save({'state_dict': {**state, 'extra.weight': torch.ones(1)}}, partial)
    with pytest.raises(StrictLoadError, match='unexpected in the checkpoint: 1 keys'):
        load_tool('test').main([toy_config(), partial, '--work-dir', str(tmp_path / 'a'),
                                '--data-root', root])
    metrics = load_tool('test').main([toy_config(), partial, '--work-dir', str(tmp_path / 'b'),
                                      '--data-root', root, '--non-strict'])
    assert metrics['toy/accuracy'] > 0.9  # the matching weights were loaded


def test_resume_is_strict(trained, tmp_path):
    root, _, _ = trained
    other = _other_model_checkpoint(tmp_path / 'other.pth')
    with pytest.raises(StrictLoadError, match='does not fit the model'):
        load_tool('train').main([toy_config(), '--work-dir', str(tmp_path / 'w'),
                                 '--data-root', root, '--resume', other])
    with pytest.raises(StrictLoadError, match='does not fit the model'):
        load_tool('train').main([toy_config(), '--work-dir', str(tmp_path / 'w2'),
                                 '--data-root', root, '--cfg-options', f'load_from={other}'])


def test_summarise_keys_groups_by_prefix():
    keys = [f'backbone.layers.{i}.w' for i in range(5)] + ['head.fc.w']
    text = summarise_keys(keys, first=2)
    assert text.startswith('6 keys: backbone.layers.* (5: backbone.layers.0.w, '
                           'backbone.layers.1.w, ...); head.fc.* (1: head.fc.w)')
    assert summarise_keys([]) == 'none'


def test_show_dir_is_under_work_dir_timestamp(trained, tmp_path, monkeypatch):
    """As mmseg: --show-dir pics writes <work_dir>/<timestamp>/pics, not ./pics."""
    root, _, ckpt = trained
    monkeypatch.chdir(tmp_path)
    work = tmp_path / 'w'
    load_tool('test').main([toy_config(), ckpt, '--work-dir', str(work), '--data-root', root,
                            '--show-dir', 'pics'])
    assert not (tmp_path / 'pics').exists()
    found = sorted(str(p.relative_to(work)) for p in work.glob('*/pics/*.txt'))
    assert found and all(len(f.split(os.sep)) == 3 for f in found), found
    stamp = found[0].split(os.sep)[0]
    assert osp.isdir(work / stamp) and stamp[:8].isdigit()  # mmengine's timestamp folder


def test_tta_wraps_the_model(trained, tmp_path):
    """--tta tests through cfg.tta_model on cfg.tta_pipeline: the toy TTA averages the views x
    and -x, which leaves only the bias, so accuracy drops from > 0.9 to about one class's share.
    """
    root, _, ckpt = trained
    test = load_tool('test')
    plain = test.main([toy_config(), ckpt, '--work-dir', str(tmp_path / 'a'),
                       '--data-root', root])['toy/accuracy']
    tta = test.main([toy_config(), ckpt, '--work-dir', str(tmp_path / 'b'),
                     '--data-root', root, '--tta'])['toy/accuracy']
    labels = [int(line.split()[2]) for line in open(osp.join(root, 'test.txt'))]
    shares = {sum(x == c for x in labels) / len(labels) for c in (0, 1)}
    assert plain > 0.9
    assert any(tta == pytest.approx(s) for s in shares), (tta, shares)


def test_tta_without_tta_model_is_an_error(toy_root):
    cfg = load_config(toy_config(), None, None, toy_root)
    cfg.pop('tta_model')
    with pytest.raises(KeyError, match='--tta needs tta_model'):
        enable_tta(cfg)


def test_config_helpers(toy_root):
    cfg = load_config(toy_config(), {'train_cfg.max_epochs': 7}, None, toy_root)
    assert cfg.train_cfg.max_epochs == 7
    assert cfg.train_dataloader.dataset.data_root == toy_root
    assert cfg.work_dir.endswith('toy_config')
    assert cfg.default_hooks.fail_fast.type == 'FailFastHook'  # from the runtime base
    enable_amp(cfg)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    cfg.default_hooks.pop('visualization')
    with pytest.raises(KeyError, match='default_hooks.visualization'):
        enable_show_dir(cfg, 'pics')
    cfg.default_hooks.visualization = dict(type='SomeHook')
    enable_show_dir(cfg, 'pics')
    assert cfg.default_hooks.visualization.draw is True
    assert cfg.default_hooks.visualization.test_out_dir == 'pics'
    with pytest.raises(FileNotFoundError, match='Config file not found'):
        load_config('configs/no_such_config.py')


def test_cfg_options_typo_is_an_error(toy_root):
    """Today `optim_wraper.optimizer.lr=5` is merged as a new key and silently ignored."""
    with pytest.raises(ConfigKeyError, match="'optim_wraper'.*Did you mean 'optim_wrapper'"):
        load_config(toy_config(), {'optim_wraper.optimizer.lr': 5}, None, toy_root)
    with pytest.raises(ConfigKeyError, match="Did you mean 'train_cfg'"):
        load_tool('train').main([toy_config(), '--data-root', toy_root,
                                 '--cfg-options', 'train_cgf.max_epochs=1'])
    # the config's own helper variables and the Runner's keys are fine
    cfg = load_config(toy_config(), {'_loader.batch_size': 4, 'experiment_name': 'x'}, None,
                      toy_root)
    assert cfg._loader.batch_size == 4


def test_config_file_typo_is_an_error(tmp_path, toy_root):
    bad = tmp_path / 'typo_config.py'
    bad.write_text(f"_base_ = [{toy_config()!r}]\n"
                   "optim_wraper = dict(optimizer=dict(type='SGD', lr=5.0))\n")
    with pytest.raises(ConfigKeyError, match="unknown top-level key 'optim_wraper'.*"
                       "Did you mean 'optim_wrapper'"):
        load_config(str(bad), None, None, toy_root)
    # plain-valued typos too: a fine-tune that would start from scratch, a resume that wouldn't
    for line, right in (("load_form = 'some.pth'", 'load_from'), ('resum = True', 'resume')):
        bad.write_text(f"_base_ = [{toy_config()!r}]\n{line}\n")
        with pytest.raises(ConfigKeyError, match=f"Did you mean '{right}'"):
            load_config(str(bad), None, None, toy_root)
    ok = tmp_path / 'helper_config.py'
    ok.write_text(f"_base_ = [{toy_config()!r}]\nnorm_cfg = dict(type='BN')\n"
                  "pipeline = [dict(type='X')]\nimg_size = 128\n")
    assert load_config(str(ok), None, None, toy_root).img_size == 128


def test_every_repository_config_passes_the_key_check():
    import glob

    from mmengine.config import Config
    configs = [p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)]
    assert len(configs) > 20
    for path in configs:
        check_config_keys(Config.fromfile(path), source=path)


def test_unknown_registry_type_suggests_names(toy_root, tmp_path):
    with pytest.raises(RegistryKeyError, match='Closest registered names: '
                       'CvsharedToyClassifier'):
        load_tool('train').main([toy_config(), '--work-dir', str(tmp_path / 'w'),
                                 '--data-root', toy_root,
                                 '--cfg-options', 'model.type=CvsharedToyClasifier'])


def test_missing_data_error_shows_tree(tmp_path):
    train = load_tool('train')
    with pytest.raises(FileNotFoundError, match='train.txt'):
        train.main([toy_config(), '--work-dir', str(tmp_path / 'w'),
                    '--data-root', str(tmp_path / 'nothing_here')])


def test_synthetic_config_generates_its_data_on_first_use(in_tmp_cwd, capsys):
    """The toy config is the toy spec's synthetic run: train.py generates data/toy (loudly)."""
    load_tool('train').main([toy_config(), '--work-dir', str(in_tmp_cwd / 'w'),
                             '--cfg-options', 'train_cfg.max_epochs=1'])
    assert (in_tmp_cwd / 'data' / 'toy' / 'train.txt').is_file()
    assert (in_tmp_cwd / 'data' / 'toy' / '.synthetic_complete').is_file()
    assert 'SYNTHETIC DATA SET' in capsys.readouterr().err
    assert (in_tmp_cwd / 'w' / 'epoch_1.pth').is_file()


def test_package_synthetic_configs_are_recognised():
    from cvshared.engine.launch import synthetic_spec_of
    from cvshared.engine.reproduce import load_spec
    for key in ('msflow', 'hfan', 'stts'):
        spec = load_spec(key)
        for config in spec.synthetic_runs.values():
            assert synthetic_spec_of(osp.join(REPO, config)).key == key
        for config in list(spec.runs.values())[:1]:
            assert synthetic_spec_of(osp.join(REPO, config)) is None


def test_mim_train_and_test(toy_root, tmp_path, env_with_venv):
    """`mim train <package> CONFIG` / `mim test ... --checkpoint` run our tools."""
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    work = str(tmp_path / 'mim_work')
    subprocess.run([mim, 'train', 'cvshared', toy_config(), '--work-dir', work,
                    '--data-root', toy_root], check=True, env=env_with_venv, cwd=tmp_path,
                   capture_output=True)
    ckpt = osp.join(work, 'epoch_4.pth')
    assert osp.isfile(ckpt)
    out = str(tmp_path / 'm.json')
    subprocess.run([mim, 'test', 'cvshared', toy_config(), '--checkpoint', ckpt,
                    '--work-dir', work, '--data-root', toy_root, '--out', out],
                   check=True, env=env_with_venv, cwd=tmp_path, capture_output=True)
    assert json.load(open(out))['toy/accuracy'] > 0.9


def _loopback_problem() -> str | None:
    """Why torch.distributed cannot rendezvous on 127.0.0.1, or None when it can."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.settimeout(2)
            server.bind(('127.0.0.1', 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=2):
                server.accept()[0].close()
    except OSError as err:
        return f'loopback 127.0.0.1 is not usable ({err}); torchrun would hang'
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_dist_train_launcher(toy_root, tmp_path):
    """tools/dist_train.sh runs two torch.distributed processes, with the venv's python (not the
    one on PATH), and the base's nccl switched to gloo on CPU."""
    problem = _loopback_problem()
    if problem:
        pytest.skip(problem)
    work = str(tmp_path / 'dist')
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHON', 'VIRTUAL_ENV')}
    env.update(PATH='/usr/bin:/bin', PORT=str(_free_port()), CUDA_VISIBLE_DEVICES='')
    # its own process group, so that a time-out ends torchrun's workers too (bash execs
    # torchrun; killing only the top process would orphan them, holding the port and CPU)
    job = subprocess.Popen(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), toy_config(), '2',
         '--work-dir', work, '--data-root', toy_root,
         '--cfg-options', 'train_cfg.max_epochs=1', 'log_level=INFO'],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        stdout, stderr = job.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(job.pid, signal.SIGKILL)
        stdout, stderr = job.communicate()
        pytest.fail(f'dist_train.sh did not finish in 180 s: {stderr[-2000:]}')
    proc = subprocess.CompletedProcess(job.args, job.returncode, stdout, stderr)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    log = open(next(osp.join(r, f) for r, _, fs in os.walk(work) for f in fs
                    if f.endswith('.log'))).read()
    assert 'Distributed launcher: pytorch' in log and 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    assert "using 'gloo'" in proc.stdout + proc.stderr + log


def test_benchmark(toy_root, tmp_path, capsys):
    bench = load_tool('benchmark')
    out = str(tmp_path / 'bench.json')
    torch.set_num_threads(2)
    result = bench.main(['toy', '--spec', 'cvshared.testing:TOY_SPEC', '--data-root', toy_root,
                         '--iters', '3', '--warmup', '1', '--out', out, '--threads', '1'])
    assert result['torch_threads'] == 1
    assert torch.get_num_threads() == 2  # restored: later tests of the worker keep theirs
    printed = capsys.readouterr().out
    # 3 timed steps of 16 samples: the throughput is the timed samples over the timed seconds
    assert result['train_samples_timed'] == 48 and result['infer_samples_timed'] == 48
    assert result['train_samples_per_s'] == pytest.approx(48 / (3 * result['train_step_s']))
    assert result['params'] == 3 and result['trainable_params'] == 3  # Linear(2, 1)
    assert result['flops_per_sample'] == 2  # fvcore: one multiply-add per input feature
    assert result['torch_threads'] == 1 and result['device'] == 'cpu'
    assert result['cpu_count'] == os.cpu_count()
    assert result['load_avg_1min'] == pytest.approx(os.getloadavg()[0], abs=2.0)
    assert json.load(open(out))['paper'] == 'toy'
    assert '| parameters | 3 |' in printed and '1 torch threads' in printed
    assert '| official implementation (recorded) | toy figures' in printed
    assert '| train step (ms) | 1.0 |' in printed


MSFLOW_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'msflow', '*.py')))


@pytest.mark.parametrize('path', MSFLOW_CONFIGS, ids=lambda p: 'msflow/' + osp.basename(p))
def test_category_override_reaches_the_datasets_of_every_msflow_config(path):
    """Every MSFlow config (each MVTec / VisA category, the synthetic one) keeps its top-level
    ``category`` equal to its datasets', so ``--cfg-options category=X`` reaches all three."""
    plain = load_config(path, data_root='/nonexistent/root', generate_synthetic=False)
    cats = {plain[f'{s}_dataloader'].dataset.category for s in ('train', 'val', 'test')}
    assert cats == {plain.category}, (plain.category, cats)
    cfg = load_config(path, {'category': 'my_part'}, data_root='/nonexistent/root',
                      generate_synthetic=False)
    assert [cfg[f'{s}_dataloader'].dataset.category for s in ('train', 'val', 'test')] == \
        ['my_part'] * 3


def test_top_level_variable_override_reaches_its_uses():
    """--cfg-options category=X reaches every dataset.category that held the variable's value
    (mmengine substitutes variables at parse time, so mmengine alone changes only the top-level
    copy); an explicit deeper option still wins, and other fields are left alone."""
    path = osp.join(REPO, 'configs', 'msflow', 'msflow_wrn50-2_100e_mvtec-bottle.py')
    plain = load_config(path, data_root='/nonexistent/root')
    assert plain.train_dataloader.dataset.category == 'bottle'
    cfg = load_config(path, {'category': 'my_part'}, data_root='/nonexistent/root')
    assert [cfg[f'{s}_dataloader'].dataset.category for s in ('train', 'val', 'test')] == \
        ['my_part'] * 3
    cfg = load_config(path, {'category': 'my_part', 'test_dataloader.dataset.category': 'x'},
                      data_root='/nonexistent/root')
    assert (cfg.train_dataloader.dataset.category, cfg.test_dataloader.dataset.category) == \
        ('my_part', 'x')
    assert cfg.train_dataloader.dataset.data_root == '/nonexistent/root'


@pytest.mark.paper('msflow')
def test_strict_loading_honours_the_models_own_load_rule(tmp_path):
    """The tools' strict load asks the model (load_state_dict), not a plain key comparison:
    MSFlow accepts a flows-only checkpoint (a converted official one) when its frozen extractor
    came from its ImageNet file, and refuses it when the extractor is random."""
    import timm
    import torch
    from cvshared.engine.weights import load_weights
    from mmengine.registry import MODELS, DefaultScope, init_default_scope
    from mmengine.utils import import_modules_from_strings

    cfg = load_config(osp.join(REPO, 'configs', 'msflow', 'msflow_resnet18_synthetic.py'),
                      data_root=str(tmp_path / 'none'), generate_synthetic=False)
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.default_scope)
    extractor = str(tmp_path / 'resnet18_imagenet.pth')
    torch.save(timm.create_model('resnet18', pretrained=False).state_dict(), extractor)
    flows_only = str(tmp_path / 'flows.pth')
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        cfg.model.backbone.checkpoint = extractor
        model = MODELS.build(cfg.model)
        torch.save({'state_dict': {k: v for k, v in model.state_dict().items()
                                   if not k.startswith('backbone.')}}, flows_only)
        load_weights(model, flows_only, strict=True, paper='msflow')  # accepted
        cfg.model.backbone.checkpoint = None
        random_extractor = MODELS.build(cfg.model)
    with pytest.raises(StrictLoadError, match=r'missing in the checkpoint: \d+ keys: backbone'):
        load_weights(random_extractor, flows_only, strict=True, paper='msflow')
