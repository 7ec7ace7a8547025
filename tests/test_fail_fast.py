"""FailFastHook (cvshared.hooks, on by default through configs/_base_/runtime/*): with a huge
learning rate, training stops at the first non-finite loss with an error naming the iteration,
the loss terms and the last good checkpoint, and no checkpoint of diverged weights is written.

Today (before the hook) the toy and MSFlow train NaN to the end and save NaN checkpoints; HFAN and
STTS exit 0 with chance-level metrics.
"""
import glob
import os.path as osp
import re

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


@pytest.mark.paper('msflow')
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


def _synthetic_config(key):
    """The package's synthetic config (configs/<key>/*synthetic*.py; one per package)."""
    found = glob.glob(osp.join(REPO, 'configs', key, '*synthetic*.py'))
    assert len(found) == 1, f'expected one synthetic config of {key}, found {found}'
    return found[0]


def _diverge(config, root, work, options):
    """Train ``config`` on ``root`` with ``options``; return the NonFiniteTrainingError text."""
    from cvshared.engine.launch import load_config
    cfg = load_config(config, None, None, root)
    assert cfg.default_hooks.get('fail_fast', {}).get('type') == 'FailFastHook', \
        f'{config} must inherit a runtime base of configs/_base_/runtime (FailFastHook)'
    with pytest.raises(NonFiniteTrainingError) as err:
        load_tool('train').main([config, '--work-dir', str(work), '--data-root', root,
                                 '--cfg-options', *options])
    return str(err.value)


def _check_stop(text, work, max_iteration):
    """The error names the iteration and a non-finite term; every checkpoint on disk is
    finite, was written before the failing iteration and is the one the error names."""
    assert 'Training diverged at iteration' in text, text
    assert ('nan' in text or 'inf' in text), text
    iteration = int(text.split('at iteration ')[1].split(' ')[0])
    assert 1 <= iteration <= max_iteration, text
    saved = sorted(glob.glob(str(work / '*.pth')))
    for path in saved:
        state = load_checkpoint_file(path)['state_dict']
        assert all(v.isfinite().all() for v in state.values() if v.is_floating_point()), path
        assert int(osp.basename(path).split('_')[1].split('.')[0]) < iteration, (path, text)
    if saved:
        assert saved[-1] in text or max(saved, key=osp.getmtime) in text, text
    else:
        assert 'No checkpoint was saved' in text, text
    return iteration


@pytest.mark.paper('hfan')
def test_hfan_synthetic_stops_at_the_first_non_finite_loss(tmp_path):
    """HFAN (tiny synthetic DAVIS set, 4 training frames, 32 x 32 crops) with AdamW at lr 1e30:
    before the hook it exited 0 with chance-level J&F. A checkpoint every iteration: the one
    before the failure is finite and named, none of the diverged weights is written."""
    from cvshared.datasets.davis_synthetic import make_davis_synthetic
    root = str(tmp_path / 'davis')
    make_davis_synthetic(root, num_train=2, num_val=1, num_frames=2, size=(32, 32))
    work = tmp_path / 'w'
    text = _diverge(_synthetic_config('hfan'), root, work, [
        'optim_wrapper.optimizer.lr=1e30', 'param_scheduler=[]', 'train_dataloader.batch_size=2',
        # 32 x 32 crops (the config's train pipeline: RandomResize, RandomCrop at 2 and 3)
        'train_dataloader.dataset.pipeline.2.scale=(32,32)',
        'train_dataloader.dataset.pipeline.3.crop_size=(32,32)',
        'model.data_preprocessor.size=(32,32)',
        'train_cfg.max_iters=6', 'train_cfg.val_interval=1000',
        'default_hooks.checkpoint.interval=1'])
    assert re.search(r'non-finite loss: .*decode\.loss_ce = -?(nan|inf)', text), text
    _check_stop(text, work, max_iteration=6)


@pytest.mark.paper('stts')
def test_stts_synthetic_stops_at_the_first_non_finite_loss(tmp_path):
    """STTS (tiny Swin, 8 synthetic clips in batches of 4) with AdamW at lr 1e30: before the
    hook it exited 0 with chance-level accuracy. A checkpoint every epoch (2 iterations)."""
    from stts.datasets import make_synthetic_kinetics
    root = str(tmp_path / 'k400')
    make_synthetic_kinetics(root, num_train=8, num_val=2)
    work = tmp_path / 'w'
    text = _diverge(_synthetic_config('stts'), root, work, [
        'optim_wrapper.optimizer.lr=1e30', 'param_scheduler=[]', 'train_dataloader.batch_size=4',
        'train_cfg.max_epochs=3', 'train_cfg.val_interval=1000',
        'default_hooks.checkpoint.interval=1'])
    assert re.search(r'non-finite loss: .*loss_cls = -?(nan|inf)', text), text
    _check_stop(text, work, max_iteration=6)


class _Probe:
    """A one-weight mmengine model and optimizer in a stand-in runner, to drive FailFastHook's
    gradient and checkpoint checks directly (the runs above diverge through the loss first)."""

    def __init__(self, work_dir):
        from types import SimpleNamespace

        import torch
        from mmengine.model import BaseModel
        from mmengine.optim import OptimWrapper

        class OneWeight(BaseModel):
            def __init__(self):
                super().__init__()
                self.w = torch.nn.Parameter(torch.zeros(1))

            def forward(self, *args, **kwargs):
                return {}

        self.model = OneWeight()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.runner = SimpleNamespace(model=self.model, optim_wrapper=OptimWrapper(self.optimizer),
                                      work_dir=str(work_dir), iter=6, epoch=1)


def test_gradient_check_stops_a_finite_loss_with_an_infinite_gradient(tmp_path):
    """sqrt(w) at w = 0 is a finite loss (0) whose gradient is infinite: only the pre-step
    gradient-norm check can catch it, before the optimizer writes inf into the weight; after
    raising, the hook has removed its optimizer hook and unwrapped parse_losses."""
    import torch
    from cvshared.hooks import FailFastHook

    probe = _Probe(tmp_path)
    original = probe.model.parse_losses
    hook = FailFastHook()
    hook.before_train(probe.runner)
    assert probe.model.parse_losses is not original and probe.optimizer._optimizer_step_pre_hooks
    loss = probe.model.w.sqrt().sum()
    assert torch.isfinite(loss)
    loss.backward()
    with pytest.raises(NonFiniteTrainingError, match=r'at iteration 7 \(epoch 2\): the gradient '
                       r'norm is inf; non-finite gradients in 1 parameter\(s\): w'):
        probe.optimizer.step()
    assert probe.model.w.item() == 0.0  # the step did not happen
    assert not probe.optimizer._optimizer_step_pre_hooks
    assert probe.model.parse_losses == original


def test_checkpoint_check_refuses_non_finite_weights(tmp_path):
    """A NaN weight that no loss has seen yet (the last step of an epoch) is caught before the
    checkpoint is written; the message names the tensor and the last good checkpoint."""
    import torch
    from cvshared.hooks import FailFastHook

    probe = _Probe(tmp_path)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_1.pth'))
    hook = FailFastHook()
    hook.before_train(probe.runner)
    hook.before_save_checkpoint(probe.runner, {'state_dict': probe.model.state_dict()})  # fine
    with torch.no_grad():
        probe.model.w.fill_(float('nan'))
    with pytest.raises(NonFiniteTrainingError, match=r"1 weight tensor\(s\) are non-finite "
                       rf"\(w\).*last good checkpoint is {re.escape(str(tmp_path))}/epoch_1.pth"):
        hook.before_save_checkpoint(probe.runner, {'state_dict': probe.model.state_dict()})
