"""tools/: train, resume, test, show-dir, amp, mim, torchrun launchers, benchmark, on the toy
config of cvshared.testing (a logistic regression that trains in a second)."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
from cvshared.engine.launch import enable_amp, enable_show_dir, load_config
from repo_helpers import REPO, load_tool, toy_config


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
    import torch
    ckpt = torch.load(osp.join(work, 'epoch_4.pth'), weights_only=True)
    assert ckpt['meta']['epoch'] == 4
    out = str(tmp_path / 'metrics.json')
    metrics = test.main([toy_config(), osp.join(work, 'epoch_4.pth'), '--work-dir', work,
                         '--data-root', toy_root, '--out', out])
    assert metrics['toy/accuracy'] > 0.9  # separable blobs: the model must have learned
    assert json.load(open(out))['toy/accuracy'] == pytest.approx(metrics['toy/accuracy'])


def test_resume_from_given_checkpoint(toy_root, tmp_path):
    train = load_tool('train')
    work = str(tmp_path / 'work')
    train.main([toy_config(), '--work-dir', work, '--data-root', toy_root,
                '--cfg-options', 'train_cfg.max_epochs=1'])
    other = str(tmp_path / 'other')
    train.main([toy_config(), '--work-dir', other, '--data-root', toy_root,
                '--resume', osp.join(work, 'epoch_1.pth'),
                '--cfg-options', 'train_cfg.max_epochs=2'])
    assert not osp.exists(osp.join(other, 'epoch_1.pth'))
    assert osp.isfile(osp.join(other, 'epoch_2.pth'))


def test_config_helpers(toy_root):
    cfg = load_config(toy_config(), {'train_cfg.max_epochs': 7}, None, toy_root)
    assert cfg.train_cfg.max_epochs == 7
    assert cfg.train_dataloader.dataset.data_root == toy_root
    assert cfg.work_dir.endswith('toy_config')
    enable_amp(cfg)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    with pytest.raises(KeyError, match='default_hooks.visualization'):
        enable_show_dir(cfg, 'pics')
    cfg.default_hooks.visualization = dict(type='SomeHook')
    enable_show_dir(cfg, 'pics')
    assert cfg.default_hooks.visualization.draw is True
    assert cfg.default_hooks.visualization.test_out_dir == osp.abspath('pics')
    with pytest.raises(FileNotFoundError, match='Config file not found'):
        load_config('configs/no_such_config.py')


def test_missing_data_error_shows_tree(tmp_path):
    train = load_tool('train')
    with pytest.raises(FileNotFoundError, match='train.txt'):
        train.main([toy_config(), '--work-dir', str(tmp_path / 'w'),
                    '--data-root', str(tmp_path / 'nothing_here')])


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


def test_dist_train_launcher(toy_root, tmp_path, env_with_venv):
    """tools/dist_train.sh runs two torch.distributed processes (gloo on CPU)."""
    work = str(tmp_path / 'dist')
    env = dict(env_with_venv, PYTHON=sys.executable, PORT='29533')
    proc = subprocess.run(['bash', osp.join(REPO, 'tools', 'dist_train.sh'), toy_config(), '2',
                           '--work-dir', work, '--data-root', toy_root,
                           '--cfg-options', 'train_cfg.max_epochs=1', 'log_level=INFO'],
                          env=env, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    log = open(next(osp.join(r, f) for r, _, fs in os.walk(work) for f in fs
                    if f.endswith('.log'))).read()
    assert 'Distributed launcher: pytorch' in log and 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size


def test_benchmark(toy_root, tmp_path):
    bench = load_tool('benchmark')
    out = str(tmp_path / 'bench.json')
    result = bench.main(['toy', '--spec', 'cvshared.testing:TOY_SPEC', '--data-root', toy_root,
                         '--iters', '3', '--warmup', '1', '--out', out])
    for key in ('train_samples_per_s', 'infer_samples_per_s', 'peak_mem_after_train_mb'):
        assert result[key] > 0
    assert json.load(open(out))['paper'] == 'toy'
