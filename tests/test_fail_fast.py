"""FailFastHook (cvshared.hooks, on by default through configs/_base_/runtime/*): with a huge
learning rate, training stops at the first non-finite loss with an error naming the iteration,
the loss terms and the last good checkpoint, and no checkpoint of diverged weights is written.

Today (before the hook) the toy and MSFlow train NaN to the end and save NaN checkpoints.
"""
import glob
import os.path as osp

import pytest
from cvshared.checkpoint import load_checkpoint_file
from cvshared.hooks import NonFiniteTrainingError
from repo_helpers import REPO, load_tool, toy_config


def test_toy_stops_at_the_first_non_finite_loss(toy_root, tmp_path):
    """Epoch 1 trains normally (lr 0.5) and is saved; from epoch 2 the lr is 3e38 (float32's
    largest), the weights overflow and the loss goes non-finite within a few iterations."""
    work = tmp_path / 'w'
    with pytest.raises(NonFiniteTrainingError) as err:
        load_tool('train').main([
            toy_config(), '--work-dir', str(work), '--data-root', toy_root, '--cfg-options',
            'param_scheduler.milestones=[1]', 'param_scheduler.gamma=6e38',
            'train_cfg.max_epochs=4'])
    text = str(err.value)
    # 64 training points in batches of 16: epoch 2 is iterations 5 to 8
    iteration = int(text.split('at iteration ')[1].split(' ')[0])
    assert 5 <= iteration <= 8, text
    assert '(epoch 2)' in text
    assert 'loss' in text and ('nan' in text or 'inf' in text), text
    assert osp.join(str(work), 'epoch_1.pth') in text  # the last good checkpoint, to resume
    assert sorted(osp.basename(p) for p in glob.glob(str(work / '*.pth'))) == ['epoch_1.pth']
    state = load_checkpoint_file(str(work / 'epoch_1.pth'))['state_dict']
    assert all(v.isfinite().all() for v in state.values())


def test_toy_without_a_checkpoint_says_so(toy_root, tmp_path):
    with pytest.raises(NonFiniteTrainingError, match='at iteration [1-4] .*No checkpoint was '
                       'saved'):
        load_tool('train').main([
            toy_config(), '--work-dir', str(tmp_path / 'w'), '--data-root', toy_root,
            '--cfg-options', 'optim_wrapper.optimizer.lr=3e38'])
    assert not glob.glob(str(tmp_path / 'w' / '*.pth'))


def test_msflow_synthetic_stops_at_the_first_non_finite_loss(tmp_path):
    """MSFlow (tiny synthetic run) with lr 1e12: before the hook it trained NaN for every epoch
    and died only in scikit-learn at test time."""
    from cvshared.engine.reproduce import ensure_synthetic, load_spec
    spec = load_spec('msflow')
    config = osp.join(REPO, spec.synthetic_runs['synthetic'])
    root = str(tmp_path / 'data')
    ensure_synthetic(spec, root)
    from cvshared.engine.launch import load_config
    cfg = load_config(config, None, None, root)
    assert cfg.default_hooks.get('fail_fast', {}).get('type') == 'FailFastHook', \
        f'{config} must inherit a runtime base of configs/_base_/runtime (FailFastHook)'
    work = tmp_path / 'w'
    with pytest.raises(NonFiniteTrainingError) as err:
        load_tool('train').main([
            config, '--work-dir', str(work), '--data-root', root, '--cfg-options',
            'optim_wrapper.optimizer.lr=1e12', 'train_dataloader.batch_size=8',
            'param_scheduler=[]', 'train_cfg.max_epochs=2', 'default_hooks.checkpoint.interval=1'])
    text = str(err.value)
    assert 'Training diverged at iteration' in text and 'loss' in text, text
    iteration = int(text.split('at iteration ')[1].split(' ')[0])
    assert iteration <= 8, text  # within the first epoch (64 images / 8)
    assert not glob.glob(str(work / '*.pth'))
